/*
 * dubbatch-media: the media worker program (worker.h has its protocol).
 *
 * design.md section 3 re-executes the dubbatch binary itself in a worker
 * mode.  It is a program of its own instead so that only the processes
 * doing media work load libav: Debian's libav pulls in about 200 shared
 * libraries, which cost the coordinating process some 35 MB of resident
 * memory and its start-up time, for a process that never decodes a frame.
 * pipeline/media.c finds it beside dubbatch or in ../libexec/dubbatch/.
 */
#include "worker.h"

int main(void)
{
    return worker_main();
}
