// hiredis (Debian's libhiredis-dev) for the Redis feature store: a blocking context on the store's
// own thread, commands pipelined with redisAppendCommandArgv and their replies read in order.
#ifndef FRAUDSCORE_CHIREDIS_SHIM_H
#define FRAUDSCORE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
