#include "tree_kernels.h"
#include "tree_walk.h"
