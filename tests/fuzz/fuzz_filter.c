/* libFuzzer target: the ss filter parser, then the evaluator and the
 * kernel-side translation of whatever parses, against a few sockets. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lang/filter.h"
#include "../../netns/sockdiag.h"

static int resolve(void *ctx, const char *name, struct filter_addr *out, int max)
{
	(void)ctx;
	if (strcmp(name, "server"))
		return 0;
	if (out && max >= 1) {
		out[0].family = AF_INET;
		inet_pton(AF_INET, "198.18.0.2", out[0].bytes);
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned states[] = {1, 2, 6, 10, 12};
	struct sockdiag_sock s = {.family = AF_INET, .sport = 40000, .dport = 8888, .rq = 12};
	struct filter_error fe;
	struct filter *f = NULL;
	struct sockdiag_req req;
	char *text, bc[FILTER_BC_MAX];

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	inet_pton(AF_INET, "198.18.0.1", s.src);
	inet_pton(AF_INET, "198.18.0.2", s.dst);
	if (filter_parse(text, resolve, NULL, &f, &fe) == 0) {
		for (unsigned i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			s.state = states[i];
			s.has_info = i & 1;
			filter_match(f, &s);
		}
		filter_states(f);
		filter_needs_info(f);
		filter_sockdiag_req(f, SOCKDIAG_TCP, &req, bc, sizeof(bc));
		filter_free(f);
	}
	free(text);
	return 0;
}
