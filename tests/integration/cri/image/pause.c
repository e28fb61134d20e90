/* The test image's pause: what a pod sandbox runs, and the container that "exits on SIGTERM".
 * As PID 1 of its namespace it must install handlers, or the kernel drops SIGTERM and SIGINT
 * sent to it; it exits 0 on either, and reaps orphans meanwhile. Prints "ready" once the handlers
 * are in place. Built static, so the image needs no libc. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void shut_down(int signal_number) {
  (void)signal_number;
  _exit(0);
}

static void reap(int signal_number) {
  (void)signal_number;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = shut_down;
  if (sigaction(SIGINT, &action, NULL) < 0 || sigaction(SIGTERM, &action, NULL) < 0) return 1;
  action.sa_handler = reap;
  action.sa_flags = SA_NOCLDSTOP;
  if (sigaction(SIGCHLD, &action, NULL) < 0) return 2;
  /* Tells a test (through the container's log) that a SIGTERM from now on is handled. */
  static const char ready[] = "ready\n";
  if (write(STDOUT_FILENO, ready, sizeof ready - 1) < 0) {
    /* no log attached: nobody is waiting for the line */
  }
  for (;;) pause();
}
