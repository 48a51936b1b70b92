// Debian's libcpp-httplib is a compiled library whose listen backlog is fixed at 5
// (CPPHTTPLIB_LISTEN_BACKLOG, set when the library was built, not by our includes). With more
// simultaneous connects than that, the kernel drops SYNs: clients see a 1 s retransmit delay or
// a reset instead of our explicit 503. Calling listen() again on a listening socket raises the
// backlog (POSIX allows it; Linux applies it at once), so after bind we find the server's
// listening socket by its port and widen it.
#pragma once

namespace hearth::server {

// Returns false when no listening socket on `port` was found (nothing changed).
bool widen_listen_backlog(int port, int backlog);

}  // namespace hearth::server
