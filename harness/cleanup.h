/*
 * cleanup: scope-bound release, in the style of systemd's _cleanup_ and
 * TAKE_PTR().  A variable declared _cleanup_free_ is free()d, and one
 * declared _cleanup_close_ is close()d, when it goes out of scope; hand its
 * value on with steal_ptr() / steal_fd() so the scope no longer owns it.
 * Every destructor netcase defines accepts NULL (or -1) and returns NULL,
 * so `p = thing_free(p);` leaves nothing dangling.
 */
#ifndef NETCASE_CLEANUP_H
#define NETCASE_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(fn)	 __attribute__((cleanup(fn)))
#define _cleanup_free_	 _cleanup_(cleanup_freep)
#define _cleanup_close_	 _cleanup_(cleanup_closep)
#define _cleanup_fclose_ _cleanup_(cleanup_fclosep)

/* The pointer's value; the variable becomes NULL (its scope no longer frees it). */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _stolen = (p);                                                       \
		(p) = NULL;                                                                        \
		_stolen;                                                                           \
	})

/* The descriptor; the variable becomes -1. */
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int _stolen = (fd);                                                                \
		(fd) = -1;                                                                         \
		_stolen;                                                                           \
	})

#endif
