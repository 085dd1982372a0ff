/*
 * sysctl: read and write /proc/sys keys as seen from inside a namespace.
 * Keys use dots ("net.ipv4.tcp_syncookies").  Errors: -ENOENT for a key
 * this kernel does not have, -EACCES or -EPERM for one that is read-only in
 * a child namespace, -EINVAL for a value the kernel refuses.
 */
#ifndef NETCASE_SYSCTL_H
#define NETCASE_SYSCTL_H

#include <stddef.h>

int sysctl_set(int ns, const char *key, const char *value);

/* Read the value (trailing newline removed, tabs as spaces) into buf. */
int sysctl_get(int ns, const char *key, char *buf, size_t len);

/* The /proc/sys path of a key; pure. Returns -ENAMETOOLONG or 0. */
int sysctl_path_format(const char *key, char *path, size_t len);

/* The keys beside key in its folder (net.ipv4.tcp_sack's: net.ipv4.*), as
 * namespace ns sees them, one per line into buf (cut at len); 0 or -errno. */
int sysctl_siblings(int ns, const char *key, char *buf, size_t len);

#endif
