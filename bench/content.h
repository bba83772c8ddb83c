/* Prompt and completion text for the content profile, as the JSON the
 * GenAI semantic conventions put in gen_ai.input.messages and
 * gen_ai.output.messages. */
#ifndef BENCH_CONTENT_H
#define BENCH_CONTENT_H

#include <stddef.h>

#include "rng.h"

struct content_messages {
	char *input_json;  /* malloc'd, NUL-terminated */
	char *output_json; /* malloc'd, NUL-terminated */
	size_t input_chars;  /* text characters, for token estimates */
	size_t output_chars;
};

/* Writes one chat exchange: a system prompt, one or two user turns (with an
 * earlier assistant turn in some conversations) and the assistant's answer
 * with finish_reason. About one request in ten carries personal data
 * (an e-mail address, a phone number, a card number or an IP address), as
 * real prompts do. Returns 0, or -1 when out of memory. */
int content_chat(struct bench_rng *rng, const char *finish_reason,
		 struct content_messages *out);

/* Frees both strings. Accepts a zeroed struct. */
void content_messages_free(struct content_messages *messages);

#endif
