/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared declarations of sprig-cli's subcommands. Each subcommand lives in its own
 * cli-<name>.c, parses its own options and returns a process exit status.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  const char *summary;   /* one line for `sprig-cli --help` */
  int (*run) (int argc, char **argv);
} SprigCliCommand;

/* Prints "sprig-cli NAME: MESSAGE" to stderr and returns the exit status 1. */
int sprig_cli_fail (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

int sprig_cli_info       (int argc, char **argv);
int sprig_cli_tokenize   (int argc, char **argv);
int sprig_cli_detokenize (int argc, char **argv);
int sprig_cli_logits     (int argc, char **argv);
int sprig_cli_mkmodel    (int argc, char **argv);
int sprig_cli_plugins    (int argc, char **argv);
int sprig_cli_info_backends (gboolean as_json);
int sprig_cli_generate   (int argc, char **argv);
int sprig_cli_chat       (int argc, char **argv);
int sprig_cli_bench      (int argc, char **argv);
int sprig_cli_perplexity (int argc, char **argv);

G_END_DECLS
