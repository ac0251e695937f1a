/* SPDX-License-Identifier: Apache-2.0
 *
 * The Preferences window: appearance, the backend and its threads, the context length,
 * the default system prompt and sampling, and the tools (SprigToolsPage). Every control is bound to GSettings; the
 * window that owns the model reloads it when a setting it was loaded with changes.
 * Which backends can run here is probed on a worker thread (opening the plugin modules
 * and asking a Vulkan driver for its devices can take a good fraction of a second).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <sprig/se-backend.h>
#include <sprig/se-plugin-loader.h>

#include "sprig-preferences-window.h"
#include "sprig-setting-row.h"
#include "sprig-tools-page.h"
#include "sprig-window-private.h"

struct _SprigPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  GCancellable *cancellable;
  char *loaded_backend;       /* the backend the main window's model runs on, or NULL */
  char *loaded_description;

  AdwActionRow *backend_auto_row;
  AdwActionRow *backend_cpu_row;
  AdwActionRow *backend_vulkan_row;
  AdwPreferencesGroup *model_group;
  AdwPreferencesGroup *sampling_group;
  GtkAdjustment *threads_adjustment;
  GtkTextView *system_prompt_view;
};

G_DEFINE_FINAL_TYPE (SprigPreferencesWindow, sprig_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- backend probe, on a worker thread ---- */

typedef struct
{
  char *name;
  char *description;
  char *device;   /* the device it would use (with its memory), or NULL */
  char *reason;   /* why it cannot run here, or NULL */
} BackendState;

static void
backend_state_free (gpointer data)
{
  BackendState *state = data;

  g_free (state->name);
  g_free (state->description);
  g_free (state->device);
  g_free (state->reason);
  g_free (state);
}

static void
probe_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plugins = se_plugin_scan (SE_PLUGIN_KIND_BACKEND, 0, refusals);
  GPtrArray *states = g_ptr_array_new_with_free_func (backend_state_free);

  for (guint i = 0; i < plugins->len; i++)
    {
      SePlugin *plugin = g_ptr_array_index (plugins, i);
      BackendState *state = g_new0 (BackendState, 1);
      g_autofree char *reason = NULL;

      state->name = g_strdup (se_plugin_get_name (plugin));
      state->description = g_strdup (se_plugin_get_header (plugin)->description);
      if (se_plugin_probe (plugin, &reason) <= 0)
        state->reason = g_strdup (reason != NULL ? reason : _("It cannot run on this computer"));
      else
        {
          const SeBackendIface *iface = (const SeBackendIface *) se_plugin_get_header (plugin);
          char device[256];
          guint64 memory = 0;

          if (se_backend_query_device (iface, device, sizeof device, &memory))
            {
              g_autofree char *size = g_format_size_full (memory, G_FORMAT_SIZE_IEC_UNITS);

              state->device = memory > 0
                              /* TRANSLATORS: a graphics card and its memory */
                              ? g_strdup_printf (_("%s, %s of memory"), device, size)
                              : g_strdup (device);
            }
        }
      g_ptr_array_add (states, state);
    }
  g_ptr_array_set_free_func (plugins, (GDestroyNotify) se_plugin_free);
  g_task_return_pointer (task, states, (GDestroyNotify) g_ptr_array_unref);
}

static const BackendState *
find_state (GPtrArray  *states,
            const char *name)
{
  for (guint i = 0; i < states->len; i++)
    {
      const BackendState *state = g_ptr_array_index (states, i);

      if (g_strcmp0 (state->name, name) == 0)
        return state;
    }
  return NULL;
}

/* Shows what @name would run on, or why it cannot; an unusable backend is insensitive. */
static void
show_backend (SprigPreferencesWindow *self,
              AdwActionRow           *row,
              GPtrArray              *states,
              const char             *name)
{
  const BackendState *state = find_state (states, name);

  if (state == NULL)
    adw_action_row_set_subtitle (row, _("Not installed"));
  else if (state->reason != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Unavailable: %s"), state->reason);

      adw_action_row_set_subtitle (row, text);
    }
  else if (g_strcmp0 (self->loaded_backend, name) == 0 && self->loaded_description != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("In use: %s"), self->loaded_description);

      adw_action_row_set_subtitle (row, text);
    }
  else
    adw_action_row_set_subtitle (row, state->device != NULL ? state->device : state->description);
  gtk_widget_set_sensitive (GTK_WIDGET (row), state != NULL && state->reason == NULL);
}

static void
probe_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GPtrArray) states = g_task_propagate_pointer (G_TASK (result), NULL);
  SprigPreferencesWindow *self;

  if (states == NULL)
    return;  /* cancelled: the window is gone */
  self = SPRIG_PREFERENCES_WINDOW (user_data);
  show_backend (self, self->backend_cpu_row, states, "cpu");
  show_backend (self, self->backend_vulkan_row, states, "vulkan");
  if (self->loaded_description != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The fastest backend that works on this "
                                                 "computer (now: %s)"), self->loaded_description);

      adw_action_row_set_subtitle (self->backend_auto_row, text);
    }
}

static void
start_probe (SprigPreferencesWindow *self)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, probe_done_cb, self);

  g_task_set_source_tag (task, start_probe);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, probe_thread);
}

/* ---- settings ---- */

static void
reset_sampling_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SprigPreferencesWindow *self = SPRIG_PREFERENCES_WINDOW (widget);
  g_autoptr(GPtrArray) rows = sprig_setting_rows_find (self->sampling_group);

  for (guint i = 0; i < rows->len; i++)
    g_settings_reset (self->settings, sprig_setting_row_get_key (rows->pdata[i])->settings_key);
}

static void
add_settings_actions (SprigPreferencesWindow *self)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  static const char *keys[] = { "backend", "color-scheme" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GAction) action = g_settings_create_action (self->settings, keys[i]);

      g_action_map_add_action (G_ACTION_MAP (group), action);
    }
  gtk_widget_insert_action_group (GTK_WIDGET (self), "prefs", G_ACTION_GROUP (group));
}

static void
bind_settings (SprigPreferencesWindow *self)
{
  GtkWidget *context_row = sprig_setting_row_new ("context_length");
  g_autoptr(GPtrArray) rows = NULL;

  add_settings_actions (self);
  g_settings_bind (self->settings, "threads", self->threads_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (self->model_group, context_row);
  sprig_setting_row_bind (context_row, self->settings);

  sprig_setting_rows_add_all (self->sampling_group, "context_length");
  rows = sprig_setting_rows_find (self->sampling_group);
  for (guint i = 0; i < rows->len; i++)
    sprig_setting_row_bind (rows->pdata[i], self->settings);
  g_settings_bind (self->settings, "system-prompt",
                   gtk_text_view_get_buffer (self->system_prompt_view), "text",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
sprig_preferences_window_dispose (GObject *object)
{
  SprigPreferencesWindow *self = SPRIG_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->loaded_backend, g_free);
  g_clear_pointer (&self->loaded_description, g_free);

  G_OBJECT_CLASS (sprig_preferences_window_parent_class)->dispose (object);
}

static void
sprig_preferences_window_class_init (SprigPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_preferences_window_dispose;

  g_type_ensure (SPRIG_TYPE_TOOLS_PAGE);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/sprigchat/Sprig/sprig-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, backend_auto_row);
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, backend_cpu_row);
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, backend_vulkan_row);
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, model_group);
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, sampling_group);
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, threads_adjustment);
  gtk_widget_class_bind_template_child (widget_class, SprigPreferencesWindow, system_prompt_view);
  gtk_widget_class_install_action (widget_class, "prefs.reset-sampling", NULL, reset_sampling_cb);
}

static void
sprig_preferences_window_init (SprigPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();
  bind_settings (self);
}

/* A window for @parent (may be NULL); a SprigWindow parent tells which backend its model
 * runs on. */
GtkWidget *
sprig_preferences_window_new (GtkWindow *parent)
{
  SprigPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (SPRIG_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  if (SPRIG_IS_WINDOW (parent))
    {
      self->loaded_backend = g_strdup (_sprig_window_get_backend (SPRIG_WINDOW (parent)));
      self->loaded_description =
        g_strdup (_sprig_window_get_backend_description (SPRIG_WINDOW (parent)));
    }
  start_probe (self);
  return GTK_WIDGET (self);
}
