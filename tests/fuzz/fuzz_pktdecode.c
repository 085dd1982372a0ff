/* libFuzzer target: the captured-frame decoder (pkt_decode). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/pktdecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info pi;
	uint8_t *copy = malloc(size ? size : 1);

	/* a copy of exactly size bytes, so ASan sees any read past the frame */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	pkt_decode(copy, size, &pi);
	free(copy);
	return 0;
}
