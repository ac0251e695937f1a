/* SPDX-License-Identifier: Apache-2.0
 *
 * sprig-cli: the engine without the app, for scripts, tests and benchmarks. This
 * file only dispatches to the subcommands in cli-*.c and prints the global help.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "sprig-cli.h"

static const SprigCliCommand commands[] = {
  { "info", "Describe a model file", sprig_cli_info },
  { "tokenize", "Turn text into token ids", sprig_cli_tokenize },
  { "detokenize", "Turn token ids into text", sprig_cli_detokenize },
  { "logits", "Write the logits of every position of a token sequence", sprig_cli_logits },
  { "mkmodel", "Write a model of any shape with random weights", sprig_cli_mkmodel },
  { "plugins", "List the plugins found and whether they can run", sprig_cli_plugins },
  { "generate", "Generate text from a prompt or a chat message", sprig_cli_generate },
  { "chat", "Chat with a model on the terminal", sprig_cli_chat },
  { "bench", "Measure prompt processing and generation speed", sprig_cli_bench },
  { "perplexity", "Measure a model's perplexity on a text file", sprig_cli_perplexity },
};

int
sprig_cli_fail (const char *command,
                const char *format,
                ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "sprig-cli %s: %s\n", command, msg);
  return 1;
}

static void
print_help (FILE *out)
{
  fprintf (out,
           "Usage: sprig-cli COMMAND [OPTION…]\n"
           "\n"
           "Runs Sprig's inference engine from the command line.\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help     Show this help\n"
           "  --version      Show the version\n"
           "\n"
           "Run “sprig-cli COMMAND --help” for a command's options.\n");
}

int
main (int argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_help (stderr);
      return 2;
    }
  if (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "version"))
    {
      printf ("sprig-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      print_help (stdout);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "sprig-cli: unknown command “%s”\n\n", argv[1]);
  print_help (stderr);
  return 2;
}
