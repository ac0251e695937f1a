/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli chat MODEL`: a terminal conversation through the asynchronous engine. Each
 * line read from stdin is a user turn; the whole conversation is rendered again every
 * turn and the engine's session re-uses the cached prefix, so a turn only pays for its new
 * tokens. `/reset` forgets the conversation; EOF ends it.
 */
#include "config.h"

#include <unistd.h>

#include "sprig/se-error.h"
#include "cli-run.h"
#include "sprig-cli.h"

typedef struct
{
  GPtrArray *roles;      /* static strings */
  GPtrArray *contents;   /* owned */
} Conversation;

static void
conversation_add (Conversation *c,
                  const char   *role,
                  const char   *content)
{
  g_ptr_array_add (c->roles, (gpointer) role);
  g_ptr_array_add (c->contents, g_strdup (content));
}

static void
conversation_reset (Conversation *c,
                    const char   *system)
{
  g_ptr_array_set_size (c->roles, 0);
  g_ptr_array_set_size (c->contents, 0);
  if (system != NULL)
    conversation_add (c, "system", system);
}

/* Reads one line without its newline; NULL at EOF. */
static char *
read_line (FILE *in)
{
  GString *line = g_string_new (NULL);
  int ch;

  while ((ch = fgetc (in)) != EOF && ch != '\n')
    g_string_append_c (line, (char) ch);
  if (ch == EOF && line->len == 0)
    {
      g_string_free (line, TRUE);
      return NULL;
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

static gboolean
chat_turn (SeEngine            *engine,
           Conversation        *c,
           const CliGenOptions *opts,
           GError             **error)
{
  g_autofree SeChatMessage *messages = g_new0 (SeChatMessage, c->roles->len);
  g_autofree char *stats = NULL;
  SeGenerateRequest req;
  CliReply reply;
  gboolean ok;

  for (guint i = 0; i < c->roles->len; i++)
    {
      messages[i].role = c->roles->pdata[i];
      messages[i].content = c->contents->pdata[i];
    }
  se_generate_request_init (&req);
  cli_gen_options_apply (opts, &req);
  req.messages = messages;
  req.n_messages = c->roles->len;
  cli_reply_init (&reply);
  ok = cli_engine_generate (engine, &req, stdout, &reply, error);
  if (ok)
    {
      conversation_add (c, "assistant", reply.text->str);
      stats = cli_stats_line (&reply.stats);
      printf ("\n");
      fflush (stdout);
      fprintf (stderr, "%s\n", stats);
    }
  cli_reply_clear (&reply);
  return ok;
}

static int
chat_loop (SeEngine            *engine,
           const CliGenOptions *opts,
           const char          *system)
{
  Conversation c = { g_ptr_array_new (), g_ptr_array_new_with_free_func (g_free) };
  gboolean tty = isatty (STDIN_FILENO);
  g_autoptr(GError) error = NULL;
  char *line;
  int status = 0;

  conversation_reset (&c, system);
  for (;;)
    {
      if (tty)
        {
          fputs ("> ", stdout);
          fflush (stdout);
        }
      if ((line = read_line (stdin)) == NULL)
        break;
      if (g_str_equal (g_strstrip (line), "/reset"))
        {
          conversation_reset (&c, system);
          fprintf (stderr, "[conversation cleared]\n");
        }
      else if (line[0] != '\0')
        {
          conversation_add (&c, "user", line);
          if (!chat_turn (engine, &c, opts, &error))
            {
              status = sprig_cli_fail ("chat", "%s", error->message);
              g_free (line);
              break;
            }
        }
      g_free (line);
    }
  g_ptr_array_unref (c.roles);
  g_ptr_array_unref (c.contents);
  return status;
}

int
sprig_cli_chat (int argc,
                char **argv)
{
  g_autofree char *system = NULL;
  CliGenOptions opts;
  g_autofree GOptionEntry *gen_entries = cli_gen_options_entries (&opts, 512);
  GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_STRING, &system, "System message", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - chat on the terminal");
  g_autoptr(GError) error = NULL;
  g_autoptr(SeEngine) engine = NULL;
  int status;

  g_option_context_set_summary (ctx, "Reads one user message per line from stdin until EOF; "
                                     "“/reset” starts a new conversation.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, gen_entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("chat", "%s", error->message);
  if (argc != 2)
    return sprig_cli_fail ("chat", "expected a model file");
  if (!cli_gen_options_check (&opts, &error))
    return sprig_cli_fail ("chat", "%s", error->message);
  engine = se_engine_new ();
  if (!cli_engine_load (engine, argv[1], &opts, &error))
    {
      cli_gen_options_clear (&opts);
      return sprig_cli_fail ("chat", "%s", error->message);
    }
  status = chat_loop (engine, &opts, system);
  cli_gen_options_clear (&opts);
  return status;
}
