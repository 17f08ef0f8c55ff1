// libnghttp2 (Debian 12: 1.52 with backports). Used by HTTPServer's HTTP/2 session.
#ifndef FRAUDSCORE_CNGHTTP2_SHIM_H
#define FRAUDSCORE_CNGHTTP2_SHIM_H
#include <nghttp2/nghttp2.h>
#endif
