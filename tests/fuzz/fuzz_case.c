/* libFuzzer target: the case parser (case_parse) on any text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lang/case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct case_model *m = NULL;
	struct case_error e;
	char *text;

	if (size > CASE_MAX_BYTES)
		return 0;
	/* case_load refuses a NUL byte; the parser sees text up to one */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (case_parse("fuzz.case", text, &m, &e) == 0)
		case_free(m);
	free(text);
	return 0;
}
