#include "tree_kernels.h"
#include "tree_walk.h"
#include "tree_lanes.h"
