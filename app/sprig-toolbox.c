/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "sprig-toolbox"

#include "config.h"

#include <glib/gi18n.h>
#include <sprig/se-gguf.h>
#include <sprig/se-plugin-loader.h>

#include "sprig-mcp-client.h"
#include "sprig-read-file-tool.h"
#include "sprig-tool-keyfile.h"
#include "sprig-tool-settings.h"
#include "sprig-toolbox.h"

/* A tool and the client that runs it (NULL: the app itself). */
typedef struct
{
  SprigToolboxTool pub;
  SprigMcpClient *client;
} ToolEntry;

struct _SprigToolOffer
{
  gatomicrefcount ref;
  const SeToolsIface *iface;
  SeToolSet *set;
  SeToolVocab *vocab;
  char *unavailable;
  GPtrArray *tools;   /* ToolEntry */
};

/* A tool host or an MCP server, and what it was started for. */
typedef struct
{
  SprigMcpClient *client;
  SprigToolKind kind;
  char *key;       /* what it runs: the plugin key files, or the server's digest */
  char *label;     /* for people: "MCP server “files”" */
} Source;

struct _SprigToolbox
{
  GObject parent_instance;

  GSettings *settings;
  const SeToolsIface *iface;   /* of the process-wide tools plugin */
  char *plugin_error;

  GPtrArray *sources;      /* Source */
  GHashTable *plugin_names;  /* plugin id -> name, for source labels */

  char *vocab_path;        /* the model the index below was built for */
  SeToolVocab *vocab;
  char *vocab_unsupported; /* why that model takes no tools */
};

G_DEFINE_FINAL_TYPE (SprigToolbox, sprig_toolbox, G_TYPE_OBJECT)

enum {
  SIGNAL_PROBLEM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tool_entry_free (gpointer data)
{
  ToolEntry *e = data;

  g_free (e->pub.name);
  g_free (e->pub.title);
  g_free (e->pub.source);
  g_free (e->pub.identity);
  g_free (e->pub.digest);
  g_clear_object (&e->client);
  g_free (e);
}

static void
source_free (gpointer data)
{
  Source *s = data;

  sprig_mcp_client_stop (s->client);
  g_object_unref (s->client);
  g_free (s->key);
  g_free (s->label);
  g_free (s);
}

SprigToolOffer *
sprig_tool_offer_ref (SprigToolOffer *offer)
{
  g_atomic_ref_count_inc (&offer->ref);
  return offer;
}

void
sprig_tool_offer_unref (SprigToolOffer *offer)
{
  if (offer == NULL || !g_atomic_ref_count_dec (&offer->ref))
    return;
  if (offer->set != NULL)
    offer->iface->tool_set_unref (offer->set);
  if (offer->vocab != NULL)
    offer->iface->vocab_unref (offer->vocab);
  g_free (offer->unavailable);
  g_ptr_array_unref (offer->tools);
  g_free (offer);
}

SeToolSet *
sprig_tool_offer_get_set (SprigToolOffer *offer)
{
  return offer->unavailable == NULL ? offer->set : NULL;
}

SeToolVocab *
sprig_tool_offer_get_vocab (SprigToolOffer *offer)
{
  return offer->vocab;
}

const char *
sprig_tool_offer_get_unavailable (SprigToolOffer *offer)
{
  return offer->unavailable;
}

const SprigToolboxTool *
sprig_tool_offer_lookup (SprigToolOffer *offer,
                         const char     *name)
{
  for (guint i = 0; i < offer->tools->len; i++)
    {
      ToolEntry *e = g_ptr_array_index (offer->tools, i);

      if (g_str_equal (e->pub.name, name))
        return &e->pub;
    }
  return NULL;
}

guint
sprig_tool_offer_get_n_tools (SprigToolOffer *offer)
{
  return offer->tools->len;
}

/* The tools plugin is opened once per process and stays: constraints and parsers it
 * made may be freed (by the engine's thread) after a window and its toolbox are gone. */
static SePlugin *
open_tools_plugin (const char **error_out)
{
  static gsize once;
  static SePlugin *plugin;
  static char *error;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GPtrArray) plugins = NULL;
      g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);

      plugins = se_plugin_scan (SE_PLUGIN_KIND_TOOLS, sizeof (SeToolsIface), refusals);
      if (plugins != NULL && plugins->len > 0)
        plugin = g_ptr_array_steal_index (plugins, 0);
      else if (refusals->len > 0)
        {
          g_autofree char *why = NULL;

          g_ptr_array_add (refusals, NULL);
          why = g_strjoinv ("; ", (char **) refusals->pdata);
          error = g_strdup_printf (_("The tool-calling plugin could not be loaded: %s"), why);
        }
      else
        error = g_strdup (_("The tool-calling plugin is not installed."));
      g_once_init_leave (&once, 1);
    }
  *error_out = error;
  return plugin;
}

SprigToolbox *
sprig_toolbox_new (GSettings *settings)
{
  SprigToolbox *self;
  const char *error = NULL;
  SePlugin *plugin;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SPRIG_TYPE_TOOLBOX, NULL);
  self->settings = g_object_ref (settings);
  plugin = open_tools_plugin (&error);
  if (plugin != NULL)
    self->iface = (const SeToolsIface *) se_plugin_get_header (plugin);
  else
    self->plugin_error = g_strdup (error);
  return self;
}

const SeToolsIface *
sprig_toolbox_get_iface (SprigToolbox *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOLBOX (self), NULL);
  return self->iface;
}

static char *
sha256 (const char *a,
        gsize       a_len,
        const char *b)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, (const guchar *) a, a_len);
  if (b != NULL)
    g_checksum_update (sum, (const guchar *) b, strlen (b) + 1);
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
in_dirs (const char        *path,
         const char *const *dirs)
{
  g_autofree char *dir = g_path_get_dirname (path);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *a = g_canonicalize_filename (dir, NULL);
      g_autofree char *b = g_canonicalize_filename (dirs[i], NULL);

      if (g_str_equal (a, b))
        return TRUE;
    }
  return FALSE;
}

static Source *
find_source (SprigToolbox  *self,
             SprigToolKind  kind,
             const char    *key)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *s = g_ptr_array_index (self->sources, i);

      if (s->kind == kind && (key == NULL || g_str_equal (s->key, key)))
        return s;
    }
  return NULL;
}

static void
add_source (SprigToolbox   *self,
            SprigMcpClient *client,
            SprigToolKind   kind,
            const char     *key,
            const char     *label)
{
  Source *s = g_new0 (Source, 1);

  s->client = client;
  s->kind = kind;
  s->key = g_strdup (key);
  s->label = g_strdup (label);
  sprig_mcp_client_set_call_timeout (client,
                                     (guint) g_settings_get_int (self->settings,
                                                                 "tool-timeout") * 1000);
  g_ptr_array_add (self->sources, s);
}

/* One tool host for @paths (key files) of @kind: kept when it runs exactly those. */
static void
sync_host (SprigToolbox  *self,
           SprigToolKind  kind,
           GPtrArray     *paths,
           gboolean       network,
           GPtrArray     *keep)
{
  g_autofree char *joined = NULL;
  g_autofree char *key = NULL;
  Source *s;

  if (paths->len == 0)
    return;
  g_ptr_array_add (paths, NULL);
  joined = g_strjoinv ("\n", (char **) paths->pdata);
  key = g_strdup_printf ("%s\n%d", joined, network);
  s = find_source (self, kind, key);
  if (s == NULL)
    {
      add_source (self, sprig_mcp_client_new_toolhost ((const char *const *) paths->pdata, network),
                  kind, key, kind == SPRIG_TOOL_KIND_BUILTIN ? _("Built-in tool") : _("Tool plugin"));
      s = g_ptr_array_index (self->sources, self->sources->len - 1);
    }
  g_ptr_array_add (keep, s);
}

/* Brings the running hosts and servers in line with the settings: starts nothing yet
 * (clients start on demand), stops what is no longer wanted. */
static void
sync_sources (SprigToolbox *self)
{
  g_auto(GStrv) enabled = g_settings_get_strv (self->settings, "enabled-tool-plugins");
  g_auto(GStrv) dirs = sprig_tool_plugin_dirs ();
  g_auto(GStrv) builtin_dirs = sprig_tool_plugin_builtin_dirs ();
  g_autoptr(GPtrArray) infos = sprig_tool_plugin_info_scan ((const char *const *) dirs, NULL);
  g_autoptr(GPtrArray) builtin_paths = g_ptr_array_new ();
  g_autoptr(GPtrArray) plugin_paths = g_ptr_array_new ();
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (self->settings);
  g_autoptr(GPtrArray) keep = g_ptr_array_new ();
  gboolean plugin_network = FALSE;

  g_hash_table_remove_all (self->plugin_names);
  for (guint i = 0; i < infos->len; i++)
    {
      SprigToolPluginInfo *info = g_ptr_array_index (infos, i);

      g_hash_table_insert (self->plugin_names, g_strdup (info->id), g_strdup (info->name));
      if (!g_strv_contains ((const char *const *) enabled, info->id))
        continue;
      if (in_dirs (info->path, (const char *const *) builtin_dirs))
        g_ptr_array_add (builtin_paths, info->path);
      else
        {
          g_ptr_array_add (plugin_paths, info->path);
          plugin_network |= info->permissions != NULL &&
                            g_strv_contains ((const char *const *) info->permissions, "network");
        }
    }
  /* Plugins the user added run in a host of their own: a crash there never takes the
   * built-ins along, and only that host may get the network. */
  sync_host (self, SPRIG_TOOL_KIND_BUILTIN, builtin_paths, FALSE, keep);
  sync_host (self, SPRIG_TOOL_KIND_PLUGIN, plugin_paths, plugin_network, keep);

  for (guint i = 0; i < servers->len; i++)
    {
      SprigMcpServerSpec *spec = g_ptr_array_index (servers, i);
      g_autofree char *digest = NULL;
      Source *s;

      if (!spec->enabled || !sprig_tool_settings_server_is_approved (self->settings, spec))
        continue;
      digest = sprig_mcp_server_spec_dup_digest (spec);
      s = find_source (self, SPRIG_TOOL_KIND_SERVER, digest);
      if (s == NULL)
        {
          g_autofree char *label = g_strdup_printf (_("MCP server “%s”"), spec->name);

          add_source (self, sprig_mcp_client_new_user_server ((const char *const *) spec->argv),
                      SPRIG_TOOL_KIND_SERVER, digest, label);
          s = g_ptr_array_index (self->sources, self->sources->len - 1);
        }
      g_ptr_array_add (keep, s);
    }

  for (guint i = self->sources->len; i-- > 0;)
    {
      Source *s = g_ptr_array_index (self->sources, i);

      if (!g_ptr_array_find (keep, s, NULL))
        g_ptr_array_remove_index (self->sources, i);
      else
        sprig_mcp_client_set_call_timeout (s->client,
                                           (guint) g_settings_get_int (self->settings,
                                                                       "tool-timeout") * 1000);
    }
}

/* "read_file" -> "Read file" */
static char *
title_from_name (const char *name)
{
  g_autofree char *spaced = g_strdelimit (g_strdup (name), "_-.", ' ');
  g_autofree char *first = g_utf8_substring (spaced, 0, 1);
  g_autofree char *upper = g_utf8_strup (first, -1);

  return g_strconcat (upper, g_utf8_offset_to_pointer (spaced, 1), NULL);
}

static ToolEntry *
entry_new (const char    *name,
           const char    *definition,
           SprigToolKind  kind,
           const char    *source,
           const char    *identity_scope,
           gboolean       read_only)
{
  ToolEntry *e = g_new0 (ToolEntry, 1);

  e->pub.name = g_strdup (name);
  e->pub.title = title_from_name (name);
  e->pub.source = g_strdup (source);
  e->pub.kind = kind;
  e->pub.read_only = read_only;
  e->pub.digest = sha256 (definition, strlen (definition), identity_scope);
  e->pub.identity = g_strdup_printf ("%s:%s", identity_scope, name);
  return e;
}

typedef struct
{
  char *model_path;
  gint64 started;             /* monotonic, for the debug log */
  guint pending;
  SeToolVocab *vocab;         /* from the worker */
  char *unsupported;
  gboolean vocab_done;
} EnsureData;

static void
ensure_data_free (gpointer data)
{
  EnsureData *d = data;

  g_free (d->model_path);
  g_free (d->unsupported);
  g_free (d);
}

static void
add_entry (SprigToolOffer *offer,
           GPtrArray      *defs,
           ToolEntry      *e,
           const char     *definition,
           SprigToolbox   *self)
{
  if (sprig_tool_offer_lookup (offer, e->pub.name) != NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Two tools are called “%s”; the one from %s is "
                                                "left out."), e->pub.name, e->pub.source);

      g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, msg);
      tool_entry_free (e);
      return;
    }
  g_ptr_array_add (offer->tools, e);
  g_ptr_array_add (defs, g_strdup (definition));
}

static SprigToolOffer *
build_offer (SprigToolbox *self)
{
  SprigToolOffer *offer = g_new0 (SprigToolOffer, 1);
  g_autoptr(GPtrArray) defs = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) enabled = g_settings_get_strv (self->settings, "enabled-tool-plugins");
  g_autoptr(GError) error = NULL;

  g_atomic_ref_count_init (&offer->ref);
  offer->iface = self->iface;
  offer->tools = g_ptr_array_new_with_free_func (tool_entry_free);
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *s = g_ptr_array_index (self->sources, i);
      GPtrArray *tools = sprig_mcp_client_get_tools (s->client);
      g_autoptr(GPtrArray) tool_defs = sprig_mcp_client_get_definitions (s->client);
      const char *scope = s->kind == SPRIG_TOOL_KIND_BUILTIN ? "builtin"
                          : s->kind == SPRIG_TOOL_KIND_PLUGIN ? "plugin" : NULL;
      g_autofree char *server_scope = s->kind == SPRIG_TOOL_KIND_SERVER
                                      ? g_strdup_printf ("mcp-%.16s", s->key) : NULL;

      for (guint j = 0; tools != NULL && j < tools->len && j < tool_defs->len; j++)
        {
          SprigMcpTool *t = g_ptr_array_index (tools, j);
          const char *def = g_ptr_array_index (tool_defs, j);
          const char *plugin_name = t->plugin_id != NULL
                                    ? g_hash_table_lookup (self->plugin_names, t->plugin_id) : NULL;
          g_autofree char *label = s->kind == SPRIG_TOOL_KIND_PLUGIN && plugin_name != NULL
                                   ? g_strdup_printf (_("Plugin “%s”"), plugin_name) : NULL;
          g_autofree char *plugin_scope = s->kind == SPRIG_TOOL_KIND_PLUGIN && t->plugin_id != NULL
                                          ? g_strdup_printf ("plugin:%s", t->plugin_id) : NULL;
          ToolEntry *e = entry_new (t->name, def, s->kind, label != NULL ? label : s->label,
                                    plugin_scope != NULL ? plugin_scope
                                    : scope != NULL ? scope : server_scope,
                                    t->read_only);

          /* A server's digest covers its command too: the same tool from another
           * program is another tool. */
          if (s->kind == SPRIG_TOOL_KIND_SERVER)
            {
              g_free (e->pub.digest);
              e->pub.digest = sha256 (def, strlen (def), s->key);
            }
          e->client = g_object_ref (s->client);
          add_entry (offer, defs, e, def, self);
        }
    }
  if (g_strv_contains ((const char *const *) enabled, SPRIG_READ_FILE_TOOL_ID))
    {
      const char *def = sprig_read_file_tool_get_definition ();

      add_entry (offer, defs,
                 entry_new (SPRIG_READ_FILE_TOOL_NAME, def, SPRIG_TOOL_KIND_APP,
                            _("Built-in tool"), "app", TRUE),
                 def, self);
    }
  if (self->vocab != NULL)
    offer->vocab = self->iface->vocab_ref (self->vocab);
  if (self->vocab_unsupported != NULL)
    offer->unavailable = g_strdup (self->vocab_unsupported);
  else if (offer->tools->len == 0)
    offer->unavailable = g_strdup (_("No tools are turned on in Preferences."));
  else
    {
      offer->set = self->iface->tool_set_new ((const char *const *) defs->pdata, defs->len, &error);
      if (offer->set == NULL)
        offer->unavailable = g_strdup_printf (_("The tools could not be offered: %s"),
                                              error->message);
    }
  return offer;
}

static void
ensure_step_done (GTask *task)
{
  SprigToolbox *self = g_task_get_source_object (task);
  EnsureData *d = g_task_get_task_data (task);
  SprigToolOffer *offer;

  if (--d->pending > 0)
    return;
  if (d->vocab_done)
    {
      if (self->vocab != NULL)
        self->iface->vocab_unref (self->vocab);
      self->vocab = g_steal_pointer (&d->vocab);
      g_free (self->vocab_unsupported);
      self->vocab_unsupported = g_steal_pointer (&d->unsupported);
      g_free (self->vocab_path);
      self->vocab_path = g_strdup (d->model_path);
    }
  offer = build_offer (self);
  g_debug ("%u tools ready in %.1f ms%s", offer->tools->len,
           (g_get_monotonic_time () - d->started) / 1000.0,
           d->vocab_done ? " (with the vocabulary index)" : "");
  g_task_return_pointer (task, offer, (GDestroyNotify) sprig_tool_offer_unref);
  g_object_unref (task);
}

static void
vocab_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SprigToolbox *self = source;
  EnsureData *d = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SeGguf) gguf = NULL;
  SeTokenizer *tok = NULL;
  SeChatTemplate *tmpl = NULL;
  const char *template_source = NULL;
  char *reason = NULL;

  gguf = se_gguf_open (d->model_path, &error);
  if (gguf != NULL)
    tok = se_tokenizer_new_from_gguf (gguf, &error);
  if (tok != NULL)
    {
      if (se_gguf_has_key (gguf, "tokenizer.chat_template"))
        se_gguf_get_string (gguf, "tokenizer.chat_template", &template_source, NULL, NULL);
      tmpl = se_chat_template_new (template_source, NULL, NULL, &error);
    }
  if (tmpl == NULL)
    d->unsupported = g_strdup_printf (_("The model’s tool-call format could not be read: %s"),
                                      error->message);
  else if (!self->iface->template_supports_tools (tmpl, &reason))
    d->unsupported = reason != NULL ? reason
                                    : g_strdup (_("This model’s chat format has no tool calls."));
  else
    {
      g_free (reason);
      d->vocab = self->iface->vocab_new (tok, &error);
      if (d->vocab == NULL)
        d->unsupported = g_strdup_printf (_("The model’s vocabulary could not be indexed for "
                                            "tool calls: %s"), error->message);
    }
  if (tmpl != NULL)
    se_chat_template_free (tmpl);
  if (tok != NULL)
    se_tokenizer_unref (tok);
  d->vocab_done = TRUE;
}

static gboolean
vocab_done_idle (gpointer user_data)
{
  ensure_step_done (user_data);
  return G_SOURCE_REMOVE;
}

static void
vocab_thread_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ensure_step_done (user_data);
}

typedef struct
{
  GTask *task;
  Source *source;   /* may be gone by the time the start ends: compared, not used */
  SprigMcpClient *client;
  char *label;
} StartData;

static void
client_started_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  StartData *sd = user_data;
  SprigToolbox *self = g_task_get_source_object (sd->task);
  g_autoptr(GError) error = NULL;

  if (!sprig_mcp_client_start_finish (sd->client, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *msg = g_strdup_printf (_("The tools of %s are not available: %s"),
                                              sd->label, error->message);

      g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, msg);
    }
  else
    {
      const char *const *load_errors = sprig_mcp_client_get_load_errors (sd->client);

      for (guint i = 0; load_errors[i] != NULL; i++)
        g_signal_emit (self, signals[SIGNAL_PROBLEM], 0, load_errors[i]);
    }
  ensure_step_done (sd->task);
  g_object_unref (sd->client);
  g_free (sd->label);
  g_free (sd);
}

void
sprig_toolbox_ensure_async (SprigToolbox        *self,
                            const char          *model_path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  EnsureData *d;

  g_return_if_fail (SPRIG_IS_TOOLBOX (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_toolbox_ensure_async);
  if (self->iface == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", self->plugin_error);
      g_object_unref (task);
      return;
    }
  d = g_new0 (EnsureData, 1);
  d->model_path = g_strdup (model_path);
  d->started = g_get_monotonic_time ();
  d->pending = 1;   /* this function's own share, dropped at the end */
  g_task_set_task_data (task, d, ensure_data_free);
  sync_sources (self);

  if (model_path != NULL && g_strcmp0 (model_path, self->vocab_path) != 0)
    {
      GTask *worker = g_task_new (self, NULL, vocab_thread_done, task);

      d->pending++;
      g_task_set_task_data (worker, d, NULL);
      g_task_run_in_thread (worker, vocab_thread);
      g_object_unref (worker);
    }
  else if (model_path == NULL && self->vocab_path == NULL)
    {
      d->unsupported = g_strdup (_("No model is loaded."));
      d->vocab_done = TRUE;
    }
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *s = g_ptr_array_index (self->sources, i);
      StartData *sd = g_new0 (StartData, 1);

      sd->task = task;
      sd->client = g_object_ref (s->client);
      sd->label = g_strdup (s->label);
      d->pending++;
      sprig_mcp_client_start_async (s->client, cancellable, client_started_cb, sd);
    }
  /* Done from an idle, so the callback never runs inside this call. */
  g_idle_add (vocab_done_idle, task);
}

SprigToolOffer *
sprig_toolbox_ensure_finish (SprigToolbox  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mcp_call_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *text = sprig_mcp_client_call_tool_finish (SPRIG_MCP_CLIENT (object), result, &error);

  if (text == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, text, g_free);
}

static void
read_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *text = sprig_read_file_tool_run_finish (result, &error);

  if (text == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, text, g_free);
}

void
sprig_toolbox_call_async (SprigToolbox           *self,
                          SprigToolOffer         *offer,
                          const SprigToolboxTool *tool,
                          const char             *arguments,
                          GtkWindow              *parent,
                          GCancellable           *cancellable,
                          GAsyncReadyCallback     callback,
                          gpointer                user_data)
{
  const ToolEntry *e = (const ToolEntry *) tool;
  GTask *task;

  g_return_if_fail (SPRIG_IS_TOOLBOX (self));
  g_return_if_fail (tool != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_toolbox_call_async);
  g_task_set_task_data (task, sprig_tool_offer_ref (offer), (GDestroyNotify) sprig_tool_offer_unref);
  if (tool->kind == SPRIG_TOOL_KIND_APP)
    sprig_read_file_tool_run_async (parent, arguments, cancellable, read_file_cb, task);
  else
    sprig_mcp_client_call_tool_async (e->client, tool->name, arguments, cancellable,
                                      mcp_call_cb, task);
}

char *
sprig_toolbox_call_finish (SprigToolbox  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sprig_toolbox_describe (const SprigToolboxTool *tool,
                        SprigToolCallItem      *item)
{
  g_autofree char *title = NULL;

  if (tool == NULL)
    {
      title = title_from_name (sprig_tool_call_item_get_name (item));
      sprig_tool_call_item_set_title (item, title);
      return;
    }
  sprig_tool_call_item_set_title (item, tool->title);
  sprig_tool_call_item_set_source (item, tool->source);
  sprig_tool_call_item_set_read_only (item, tool->read_only);
  /* read_file asks through its file dialog each time: nothing to allow for good */
  sprig_tool_call_item_set_picks_file (item, tool->kind == SPRIG_TOOL_KIND_APP);
  sprig_tool_call_item_set_can_always_allow (item, tool->kind != SPRIG_TOOL_KIND_APP);
}

void
sprig_toolbox_reset (SprigToolbox *self)
{
  g_return_if_fail (SPRIG_IS_TOOLBOX (self));
  for (guint i = 0; i < self->sources->len; i++)
    sprig_mcp_client_reset (((Source *) g_ptr_array_index (self->sources, i))->client);
}

void
sprig_toolbox_shutdown (SprigToolbox *self)
{
  g_return_if_fail (SPRIG_IS_TOOLBOX (self));
  g_ptr_array_set_size (self->sources, 0);
}

static void
sprig_toolbox_finalize (GObject *object)
{
  SprigToolbox *self = SPRIG_TOOLBOX (object);

  g_ptr_array_unref (self->sources);
  g_hash_table_unref (self->plugin_names);
  if (self->vocab != NULL)
    self->iface->vocab_unref (self->vocab);
  g_free (self->vocab_path);
  g_free (self->vocab_unsupported);
  g_free (self->plugin_error);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (sprig_toolbox_parent_class)->finalize (object);
}

static void
sprig_toolbox_class_init (SprigToolboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sprig_toolbox_finalize;

  /* Something about the tools the user should know (a sentence to show as is). */
  signals[SIGNAL_PROBLEM] = g_signal_new ("problem", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sprig_toolbox_init (SprigToolbox *self)
{
  self->sources = g_ptr_array_new_with_free_func (source_free);
  self->plugin_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
