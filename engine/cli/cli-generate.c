/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli generate MODEL (--prompt T | --chat T [--system S])`: one generation through
 * the asynchronous engine. The text streams to stdout and the stats go to stderr, or with
 * --json one object holds the text, the token ids, the prompt size, speed and stop reason.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "sprig/se-error.h"
#include "cli-run.h"
#include "sprig-cli.h"

static void
print_json (const CliReply *reply)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, reply->text->str);
  json_builder_set_member_name (b, "tokens");
  json_builder_begin_array (b);
  for (guint i = 0; i < reply->ids->len; i++)
    json_builder_add_int_value (b, g_array_index (reply->ids, gint32, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "prompt_tokens");
  json_builder_add_int_value (b, reply->stats.prompt_tokens);
  json_builder_set_member_name (b, "prompt_evaluated");
  json_builder_add_int_value (b, reply->stats.prompt_evaluated);
  json_builder_set_member_name (b, "prompt_tok_s");
  json_builder_add_double_value (b, reply->stats.prompt_tok_s);
  json_builder_set_member_name (b, "gen_tokens");
  json_builder_add_int_value (b, reply->stats.gen_tokens);
  json_builder_set_member_name (b, "gen_tok_s");
  json_builder_add_double_value (b, reply->stats.gen_tok_s);
  json_builder_set_member_name (b, "stop");
  json_builder_add_string_value (b, se_stop_reason_to_string (reply->stats.stop));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  out = json_generator_to_data (gen, NULL);
  printf ("%s\n", out);
}

int
sprig_cli_generate (int argc,
                    char **argv)
{
  g_autofree char *prompt = NULL, *chat = NULL, *system = NULL;
  gboolean json = FALSE;
  CliGenOptions opts;
  g_autofree GOptionEntry *gen_entries = cli_gen_options_entries (&opts, 128);
  GOptionEntry entries[] = {
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt, "Raw prompt text (special tokens parsed)", "T" },
    { "chat", 0, 0, G_OPTION_ARG_STRING, &chat, "A user message, rendered with the chat template", "T" },
    { "system", 0, 0, G_OPTION_ARG_STRING, &system, "System message for --chat", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object at the end", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - generate text");
  g_autoptr(GError) error = NULL;
  g_autoptr(SeEngine) engine = NULL;
  SeChatMessage messages[2] = { { .role = "system" }, { .role = "user" } };
  SeGenerateRequest req;
  CliReply reply;
  g_autofree char *stats = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, gen_entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("generate", "%s", error->message);
  if (argc != 2 || (prompt == NULL) == (chat == NULL) || (system != NULL && chat == NULL))
    return sprig_cli_fail ("generate", "expected a model file and one of --prompt or --chat "
                           "(--system only with --chat)");
  if (!cli_gen_options_check (&opts, &error))
    return sprig_cli_fail ("generate", "%s", error->message);

  se_generate_request_init (&req);
  cli_gen_options_apply (&opts, &req);
  if (chat != NULL)
    {
      messages[0].content = system;
      messages[1].content = chat;
      req.messages = system != NULL ? messages : messages + 1;
      req.n_messages = system != NULL ? 2 : 1;
    }
  else
    req.text = prompt;

  engine = se_engine_new ();
  cli_reply_init (&reply);
  if (!cli_engine_load (engine, argv[1], &opts, &error)
      || !cli_engine_generate (engine, &req, json ? NULL : stdout, &reply, &error))
    {
      cli_reply_clear (&reply);
      cli_gen_options_clear (&opts);
      return sprig_cli_fail ("generate", "%s", error->message);
    }
  if (json)
    print_json (&reply);
  else
    {
      stats = cli_stats_line (&reply.stats);
      printf ("\n");
      fprintf (stderr, "%s\n", stats);
    }
  cli_reply_clear (&reply);
  cli_gen_options_clear (&opts);
  return 0;
}
