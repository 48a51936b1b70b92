// PDF -> text through poppler's `pdftotext` (poppler-utils), run as a child process with an
// argument vector (no shell, so no quoting problems with file names). It writes one form feed
// after each page; pages become paragraphs and page marks.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hearth/error.hpp"
#include "kb/extract.hpp"

namespace hearth::kb {
namespace {

// Full path of `name` on $PATH, or "" when it is not installed.
std::string find_program(const char* name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return full;
    start = end + 1;
  }
  return "";
}

// Runs argv, returns its stdout; *status gets the wait status.
std::string run_capture(const std::vector<std::string>& argv, int* status) {
  // Built before fork: the child of a threaded process may only make async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) hearth::fail(Status::kIoError, "pipe failed");
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    hearth::fail(Status::kIoError, "fork failed");
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  return out;
}

}  // namespace

ExtractedText extract_pdf(const std::string& path) {
  const std::string exe = find_program("pdftotext");
  if (exe.empty())
    hearth::fail(Status::kUnsupported,
                 "PDF needs the pdftotext program (Debian package poppler-utils), not installed");
  int status = 0;
  // `--` ends the options: a file name starting with '-' is still a file name.
  std::string raw = run_capture({exe, "-q", "-enc", "UTF-8", "--", path, "-"}, &status);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    hearth::fail(Status::kInvalidArgument,
                 "pdftotext could not read it (damaged or password-protected PDF?), exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  ExtractedText out;
  out.kind = "pdf";
  out.paged = true;
  int page = 1;
  out.marks.emplace_back(0, 1);
  for (char c : raw) {
    if (c == '\f') {
      // A page break is a paragraph break; the next text belongs to the next page.
      while (!out.text.empty() && out.text.back() == '\n') out.text.pop_back();
      if (!out.text.empty()) out.text += "\n\n";
      ++page;
      if (out.marks.back().first == out.text.size())
        out.marks.back().second = page;
      else
        out.marks.emplace_back(out.text.size(), page);
      continue;
    }
    out.text += c;
  }
  while (!out.text.empty() && (out.text.back() == '\n' || out.text.back() == ' '))
    out.text.pop_back();
  out.replaced_bytes = repair_utf8(out.text);
  return out;
}

}  // namespace hearth::kb
