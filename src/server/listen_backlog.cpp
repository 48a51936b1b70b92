#include "server/listen_backlog.hpp"

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace hearth::server {

bool widen_listen_backlog(int port, int backlog) {
  rlimit lim{};
  const int max_fd = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536
                         ? static_cast<int>(lim.rlim_cur)
                         : 65536;
  bool found = false;
  for (int fd = 0; fd < max_fd; ++fd) {
    int accepting = 0;
    socklen_t len = sizeof accepting;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET)
      bound = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    else if (addr.ss_family == AF_INET6)
      bound = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port && listen(fd, backlog) == 0) found = true;
  }
  return found;
}

}  // namespace hearth::server
