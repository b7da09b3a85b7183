/*
 * input/embedded.h - text files compiled into the binary by tools/embed.
 */
#ifndef VPMU__INPUT_EMBEDDED_H
#define VPMU__INPUT_EMBEDDED_H

struct embedded_file {
	const char *name;	/* file name without .ini */
	const char *path;	/* where it came from, for messages */
	const char *text;
};

extern const struct embedded_file profile_builtin[];
extern const struct embedded_file scenario_builtin[];

#endif /* VPMU__INPUT_EMBEDDED_H */
