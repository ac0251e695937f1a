/* SPDX-License-Identifier: Apache-2.0
 *
 * The model side of SprigWindow: "Open GGUF File…" and the model picker, loading through
 * SeEngine with the backend, threads and context length from Preferences and a progress bar,
 * falling back to the best available backend when the chosen one cannot run (and
 * saying so), reloading when those settings change, remembering the file in GSettings,
 * and reporting load errors with their reason.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sprig-model-add.h"
#include "sprig-window-private.h"

#define RELOAD_DELAY_MS 400

static void
show_main_page (SprigWindow *self)
{
  gtk_stack_set_visible_child_name (self->main_stack, self->model_name != NULL ? "chat" : "no-model");
  if (self->model_name != NULL)
    sprig_chat_view_focus_composer (self->chat_view);
}

/* The n_ctx to load with: the conversation's own, or the default from Preferences. */
static guint
wanted_n_ctx (SprigWindow *self)
{
  g_auto(SprigChatSettings) defaults = { 0 };

  if (self->context_override != 0)
    return self->context_override;
  sprig_chat_settings_init_defaults (&defaults, self->settings);
  return sprig_chat_settings_get_engine_n_ctx (&defaults);
}

static void
remember_model (SprigWindow       *self,
                const SeModelInfo *info)
{
  g_free (self->model_name);
  self->model_name = g_path_get_basename (info->path);
  g_free (self->model_path);
  self->model_path = g_strdup (info->path);
  g_free (self->backend);
  self->backend = g_strdup (info->backend);
  g_free (self->backend_description);
  self->backend_description = g_strdup (info->backend_description);
  g_free (self->chat_family);
  self->chat_family = g_strdup (info->chat_family);
  self->n_ctx = self->load_n_ctx;
  g_free (self->backend_warning);
  if (self->fallback_reason != NULL)
    /* Translators: the engine's reason why the chosen backend failed, then the one used */
    self->backend_warning = g_strdup_printf (_("%s. The model runs on the %s backend instead."),
                                             self->fallback_reason, info->backend);
  else
    self->backend_warning = g_strdup (info->backend_warning);
  g_clear_pointer (&self->fallback_reason, g_free);
}

/* Short enough for a toast, shown at once ahead of toasts already queued since the user
 * just asked for this backend; the reason is one click away. */
static void
toast_backend_warning (SprigWindow *self)
{
  g_autofree char *title = g_strdup_printf (_("Could not use the preferred backend; running on %s"),
                                            self->backend);
  g_autofree char *escaped = g_markup_escape_text (title, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 10);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_button_label (toast, _("_Details"));
  adw_toast_set_action_name (toast, "win.backend-details");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
backend_details_action_cb (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  SprigWindow *self = SPRIG_WINDOW (widget);
  GtkWidget *dialog;

  if (self->backend_warning == NULL)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Backend Unavailable"),
                                   self->backend_warning);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
_sprig_window_class_init_model (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.backend-details", NULL,
                                   backend_details_action_cb);
  _sprig_window_class_init_models (widget_class);
}

static void
on_model_loaded (SprigWindow       *self,
                 const SeModelInfo *info)
{
  /* A reload with other settings need not repeat what the user heard about the file. */
  gboolean reloaded = g_strcmp0 (self->model_path, info->path) == 0;

  remember_model (self, info);
  g_settings_set_string (self->settings, "model-path", info->path);
  sprig_model_picker_set_current (self->model_picker, info->path);
  sprig_chat_set_model_id (self->chat, self->model_name);
  sprig_chat_set_backend (self->chat, info->backend);
  sprig_chat_set_model_path (self->chat, info->path);
  gtk_revealer_set_reveal_child (self->demo_banner, sprig_model_manager_is_demo_path (info->path));
  show_main_page (self);
  _sprig_window_update_title (self);
  if (self->backend_warning != NULL)
    toast_backend_warning (self);
  if (info->chat_warning != NULL && !reloaded)
    _sprig_window_toast (self, _(info->chat_warning));  /* the engine marks it with N_() */
}

static void start_load (SprigWindow *self);

static void
on_load_error (SprigWindow  *self,
               const GError *error)
{
  g_autofree char *message = NULL;

  /* A backend chosen in Preferences that cannot run here: try the best available one,
   * and say why once the model is loaded. */
  if (self->load_backend != NULL)
    {
      const char *reason = error->message;

      /* The engine names the file first; the user knows which one they opened. */
      if (g_str_has_prefix (reason, self->load_path)
          && g_str_has_prefix (reason + strlen (self->load_path), ": "))
        reason += strlen (self->load_path) + 2;
      self->fallback_reason = g_strdup (reason);
      g_clear_pointer (&self->load_backend, g_free);
      start_load (self);
      return;
    }
  g_clear_pointer (&self->fallback_reason, g_free);
  message = g_strdup_printf (_("Could not load the model: %s"), error->message);
  show_main_page (self);
  _sprig_window_toast (self, message);
}

static void
load_event_cb (SeEngine      *engine,
               const SeEvent *event,
               gpointer       user_data)
{
  SprigWindow *self = user_data;

  if (event->request != self->load_request)
    return;
  switch (event->kind)
    {
    case SE_EVENT_PROGRESS:
      gtk_progress_bar_set_fraction (self->load_progress, event->progress);
      break;
    case SE_EVENT_DONE:
      self->load_request = 0;
      on_model_loaded (self, event->model);
      break;
    case SE_EVENT_ERROR:
      self->load_request = 0;
      on_load_error (self, event->error);
      break;
    case SE_EVENT_TOKENS:
    default:
      break;
    }
}

static void
start_load (SprigWindow *self)
{
  SeModelParams params = {
    .backend = self->load_backend,
    .n_threads = (guint) MAX (g_settings_get_int (self->settings, "threads"), 0),
  };

  gtk_progress_bar_set_fraction (self->load_progress, 0);
  if (self->load_request != 0)
    se_engine_cancel (self->engine, self->load_request);
  self->load_request = se_engine_load (self->engine, self->load_path, &params, self->load_n_ctx,
                                       load_event_cb, g_object_ref (self), g_object_unref);
}

/* Loads @path in the engine's thread with the backend, threads and context length from
 * Preferences; the window shows progress meanwhile. */
void
sprig_window_load_model (SprigWindow *self,
                         const char  *path)
{
  g_autofree char *name = NULL;
  g_autofree char *backend = NULL;

  g_return_if_fail (SPRIG_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  name = g_path_get_basename (path);
  adw_status_page_set_description (self->loading_page, name);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->reload_pending = FALSE;
  backend = g_settings_get_string (self->settings, "backend");
  g_free (self->load_path);
  self->load_path = g_strdup (path);
  g_free (self->load_backend);
  self->load_backend = g_str_equal (backend, "auto") ? NULL : g_steal_pointer (&backend);
  self->load_n_ctx = wanted_n_ctx (self);
  g_clear_pointer (&self->fallback_reason, g_free);
  start_load (self);
}

/* ---- reloading when the settings a model was loaded with change ---- */

static void
reload (SprigWindow *self)
{
  const char *path = self->load_request != 0 ? self->load_path : self->model_path;
  g_autofree char *copy = g_strdup (path);

  if (copy == NULL)
    return;
  if (sprig_chat_get_generating (self->chat))
    {
      self->reload_pending = TRUE;  /* after the reply */
      return;
    }
  sprig_window_load_model (self, copy);
}

static gboolean
reload_timeout_cb (gpointer user_data)
{
  SprigWindow *self = user_data;

  self->reload_source = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

/* Spin buttons change a setting once per step: wait for the last one. */
static void
schedule_reload (SprigWindow *self)
{
  if (self->model_path == NULL && self->load_request == 0)
    return;
  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_timeout_cb, self);
}

static void
settings_changed_cb (SprigWindow *self,
                     const char  *key)
{
  if (g_str_equal (key, "backend") || g_str_equal (key, "threads"))
    schedule_reload (self);
  else if (g_str_equal (key, "context-length") && self->context_override == 0)
    schedule_reload (self);
}

static void
generating_changed_cb (SprigWindow *self)
{
  if (self->reload_pending && !sprig_chat_get_generating (self->chat))
    {
      self->reload_pending = FALSE;
      reload (self);
    }
}

/* A conversation that asks for less context than the model was loaded with is capped
 * per request (SprigChat passes it as SeGenerateRequest.n_ctx), so switching between
 * conversations never reloads the model for that; only one that asks for more loads it
 * again, with the larger context. */
void
_sprig_window_set_chat_context (SprigWindow             *self,
                                const SprigChatSettings *settings)
{
  guint wanted;

  g_return_if_fail (SPRIG_IS_WINDOW (self));

  if (settings == NULL)
    return;
  wanted = sprig_chat_settings_get_engine_n_ctx (settings);
  if (wanted > self->load_n_ctx)
    {
      self->context_override = wanted;
      schedule_reload (self);
    }
}

const char *
_sprig_window_get_backend (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), NULL);
  return self->backend;
}

const char *
_sprig_window_get_backend_description (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), NULL);
  return self->backend_description;
}

const char *
_sprig_window_get_backend_warning (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), NULL);
  return self->backend_warning;
}

gboolean
_sprig_window_get_thinking_supported (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), FALSE);
  return g_strcmp0 (self->chat_family, "qwen3") == 0;
}

/* ---- the welcome page and the model picker ---- */

static void
model_activated_cb (SprigWindow *self,
                    const char  *path)
{
  sprig_window_load_model (self, path);
}

void
_sprig_window_init_model (SprigWindow *self)
{
  g_autofree char *model_path = g_settings_get_string (self->settings, "model-path");

  _sprig_window_init_models (self);
  sprig_model_picker_set_current (self->model_picker, model_path);
  g_signal_connect_object (self->model_picker, "model-activated",
                           G_CALLBACK (model_activated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat, "notify::generating", G_CALLBACK (generating_changed_cb),
                           self, G_CONNECT_SWAPPED);

  if (model_path[0] == '\0')
    {
      /* A first start: the demo model that ships with the app, if any, so that a chat
       * works at once and offline; the banner above the chat points to Bonsai. */
      g_autofree char *demo = sprig_model_manager_get_demo_path ();

      if (demo != NULL)
        {
          g_free (model_path);
          model_path = g_steal_pointer (&demo);
        }
    }
  if (model_path[0] != '\0')
    sprig_window_load_model (self, model_path);
  else
    gtk_stack_set_visible_child_name (self->main_stack, "no-model");
}

void
_sprig_window_dispose_model (SprigWindow *self)
{
  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_pointer (&self->model_path, g_free);
  g_clear_pointer (&self->backend, g_free);
  g_clear_pointer (&self->backend_description, g_free);
  g_clear_pointer (&self->backend_warning, g_free);
  g_clear_pointer (&self->chat_family, g_free);
  g_clear_pointer (&self->load_path, g_free);
  g_clear_pointer (&self->load_backend, g_free);
  g_clear_pointer (&self->fallback_reason, g_free);
  _sprig_window_dispose_models (self);
}

static void
load_file (SprigWindow *self,
           GFile       *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      _sprig_window_toast (self, _("Only files on this computer can be opened as models"));
      return;
    }
  sprig_window_load_model (self, path);
}

static void
open_chosen_cb (GFile    *file,
                gpointer  user_data)
{
  load_file (user_data, file);
}

void
_sprig_window_open_model (SprigWindow *self)
{
  sprig_choose_gguf_file (GTK_WINDOW (self), _("Open Model"), _("_Open"), open_chosen_cb, self);
}
