/* SPDX-License-Identifier: Apache-2.0
 *
 * What `generate`, `chat` and `bench` share: the sampling and backend options, and
 * running one engine request to its end on the engine's main context, streaming the
 * reply to a terminal as it comes.
 */
#pragma once

#include <stdio.h>

#include "sprig/se-engine.h"

G_BEGIN_DECLS

typedef struct
{
  double temp;
  gint top_k;
  double top_p;
  double min_p;
  double repeat_penalty;
  gint64 seed;              /* -1: random */
  gint n_predict;
  gint n_ctx;
  char *backend;
  gint threads;
} CliGenOptions;

typedef struct
{
  GString *text;
  GArray *ids;              /* gint32 */
  SeGenerateStats stats;
} CliReply;

/* Option entries writing into @opts (defaults set here); g_free the array. */
GOptionEntry *cli_gen_options_entries (CliGenOptions       *opts,
                                       gint                 default_n_predict);
void          cli_gen_options_clear   (CliGenOptions       *opts);
gboolean      cli_gen_options_check   (const CliGenOptions *opts,
                                       GError             **error);
void          cli_gen_options_apply   (const CliGenOptions *opts,
                                       SeGenerateRequest   *request);

gboolean      cli_engine_load         (SeEngine            *engine,
                                       const char          *path,
                                       const CliGenOptions *opts,
                                       GError             **error);
/* Runs @request; with @stream, writes each batch of text to it as it arrives. */
gboolean      cli_engine_generate     (SeEngine                *engine,
                                       const SeGenerateRequest *request,
                                       FILE                    *stream,
                                       CliReply                *reply,
                                       GError                 **error);
void          cli_reply_init          (CliReply            *reply);
void          cli_reply_clear         (CliReply            *reply);
/* One line: prompt tokens, evaluated, speeds and the stop reason. */
char         *cli_stats_line          (const SeGenerateStats *stats);

G_END_DECLS
