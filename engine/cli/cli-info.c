/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli info MODEL [--json]`: what a model file is: architecture,
 * hyper-parameters, tensor count and bytes by type, file size, chat template family.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "sprig/se-types.h"
#include "cli-model.h"
#include "sprig-cli.h"

typedef struct
{
  guint count[SE_TYPE_COUNT];
  guint64 bytes[SE_TYPE_COUNT];
  guint64 n_params;
} TypeStats;

static void
collect_stats (const SeGguf *gguf,
               TypeStats    *st)
{
  memset (st, 0, sizeof *st);
  for (gsize i = 0; i < se_gguf_get_n_tensors (gguf); i++)
    {
      const SeGgufTensor *t = se_gguf_get_tensor (gguf, i);

      st->count[t->type]++;
      st->bytes[t->type] += t->n_bytes;
      st->n_params += (guint64) (t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
    }
}

static void
print_text (const char *path,
            CliModel   *m,
            const TypeStats *st)
{
  const SeHParams *hp = &m->hp;
  const char *warning = se_chat_template_get_warning (m->chat_template);

  printf ("file:           %s (%" G_GUINT64_FORMAT " bytes, GGUF v%u)\n", path,
          se_gguf_get_file_size (m->gguf), se_gguf_get_version (m->gguf));
  printf ("architecture:   %s\n", se_arch_name (hp->arch));
  printf ("parameters:     %.3f M\n", (double) st->n_params / 1e6);
  printf ("layers:         %u\nembedding:      %u\nheads:          %u (kv %u, dim %u)\n",
          hp->n_layer, hp->n_embd, hp->n_head, hp->n_head_kv, hp->head_dim);
  printf ("feed-forward:   %u\nvocabulary:     %u\ncontext:        %u\n", hp->n_ff,
          hp->n_vocab, hp->n_ctx_train);
  printf ("rope base:      %g\nrms epsilon:    %g\noutput:         %s\n", hp->rope_freq_base,
          hp->norm_eps, hp->tied_output ? "tied to token_embd" : "output.weight");
  printf ("tensors:");
  for (int t = 0; t < SE_TYPE_COUNT; t++)
    if (st->count[t])
      printf ("  %s %u (%.1f MiB)", se_type_name (t), st->count[t], st->bytes[t] / 1048576.0);
  printf ("\nchat template:  %s%s%s\n",
          se_chat_template_family_name (se_chat_template_get_family (m->chat_template)),
          warning ? " — " : "", warning ? warning : "");
}

static void
print_json (const char *path,
            CliModel   *m,
            const TypeStats *st)
{
  const SeHParams *hp = &m->hp;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  const char *warning = se_chat_template_get_warning (m->chat_template);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "file_size");
  json_builder_add_int_value (b, (gint64) se_gguf_get_file_size (m->gguf));
  json_builder_set_member_name (b, "gguf_version");
  json_builder_add_int_value (b, se_gguf_get_version (m->gguf));
  json_builder_set_member_name (b, "architecture");
  json_builder_add_string_value (b, se_arch_name (hp->arch));
  json_builder_set_member_name (b, "n_params");
  json_builder_add_int_value (b, (gint64) st->n_params);
#define INT_MEMBER(name, value) \
  json_builder_set_member_name (b, name); json_builder_add_int_value (b, value)
  INT_MEMBER ("n_layer", hp->n_layer);
  INT_MEMBER ("n_embd", hp->n_embd);
  INT_MEMBER ("n_head", hp->n_head);
  INT_MEMBER ("n_head_kv", hp->n_head_kv);
  INT_MEMBER ("head_dim", hp->head_dim);
  INT_MEMBER ("n_ff", hp->n_ff);
  INT_MEMBER ("n_vocab", hp->n_vocab);
  INT_MEMBER ("n_ctx_train", hp->n_ctx_train);
#undef INT_MEMBER
  json_builder_set_member_name (b, "rope_freq_base");
  json_builder_add_double_value (b, hp->rope_freq_base);
  json_builder_set_member_name (b, "norm_eps");
  json_builder_add_double_value (b, hp->norm_eps);
  json_builder_set_member_name (b, "tied_output");
  json_builder_add_boolean_value (b, hp->tied_output);
  json_builder_set_member_name (b, "tensors");
  json_builder_begin_object (b);
  for (int t = 0; t < SE_TYPE_COUNT; t++)
    if (st->count[t])
      {
        json_builder_set_member_name (b, se_type_name (t));
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "count");
        json_builder_add_int_value (b, st->count[t]);
        json_builder_set_member_name (b, "bytes");
        json_builder_add_int_value (b, (gint64) st->bytes[t]);
        json_builder_end_object (b);
      }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "chat_template");
  json_builder_add_string_value (b, se_chat_template_family_name (
                                      se_chat_template_get_family (m->chat_template)));
  json_builder_set_member_name (b, "chat_template_warning");
  if (warning)
    json_builder_add_string_value (b, warning);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

int
sprig_cli_info (int argc,
                char **argv)
{
  gboolean as_json = FALSE;
  gboolean backends = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print JSON", NULL },
    { "backends", 0, 0, G_OPTION_ARG_NONE, &backends,
      "Describe the backends and their devices instead of a model", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - describe a model file "
                                                        "(or --backends)");
  g_autoptr(GError) error = NULL;
  g_auto(CliModel) model = { 0 };
  TypeStats st;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("info", "%s", error->message);
  if (backends)
    return argc == 1 ? sprig_cli_info_backends (as_json)
                     : sprig_cli_fail ("info", "--backends takes no model file");
  if (argc != 2)
    return sprig_cli_fail ("info", "expected exactly one model file");
  if (!cli_model_open (&model, argv[1], &error))
    return sprig_cli_fail ("info", "%s", error->message);
  collect_stats (model.gguf, &st);
  if (as_json)
    print_json (argv[1], &model, &st);
  else
    print_text (argv[1], &model, &st);
  return 0;
}
