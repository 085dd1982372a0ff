/* case_id(): a case's name from its path (case.h); pure. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

void case_id(const char *path, char *buf, size_t len)
{
	char cwd[4096];
	const char *p = path;
	size_t n;

	/* an absolute path: relative to the current folder when below it, from
	 * a cases/ folder on it, else the file's own name (not "abs/path/x") */
	if (path[0] == '/') {
		n = getcwd(cwd, sizeof(cwd)) ? strlen(cwd) : 0;
		if (n > 1 && !strncmp(path, cwd, n) && path[n] == '/')
			p = path + n + 1;
		else if (strstr(path, "/cases/"))
			p = strstr(path, "/cases/") + 1;
		else
			p = strrchr(path, '/') + 1;
	}
	p = strstr(p, "cases/") ? strstr(p, "cases/") + 6 : p;
	while (*p == '.' || *p == '/')
		p++;
	n = strlen(p);
	if (n > 5 && !strcmp(p + n - 5, ".case"))
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, p);
}
