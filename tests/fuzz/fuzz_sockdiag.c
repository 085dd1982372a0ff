/* libFuzzer target: the socket diag decoder (sockdiag_decode) on any bytes
 * as if a netlink dump had returned them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../netns/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockdiag_list l = {0};
	/* aligned like a receive buffer, and exactly size bytes long */
	void *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sockdiag_decode(copy, size, &l);
	sockdiag_list_free(&l);
	free(copy);
	return 0;
}
