/* SPDX-License-Identifier: Apache-2.0
 *
 * The model side of SprigWindow: the "Open GGUF File…" dialog (GtkFileDialog from GTK
 * 4.10, a GtkFileChooserNative before), loading through SeEngine with a progress bar,
 * remembering the file in GSettings, and reporting load errors with their reason.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-window-private.h"

static void
show_main_page (SprigWindow *self)
{
  gtk_stack_set_visible_child_name (self->main_stack, self->model_name != NULL ? "chat" : "no-model");
  if (self->model_name != NULL)
    sprig_chat_view_focus_composer (self->chat_view);
}

static void
on_model_loaded (SprigWindow       *self,
                 const SeModelInfo *info)
{
  g_free (self->model_name);
  self->model_name = g_path_get_basename (info->path);
  g_settings_set_string (self->settings, "model-path", info->path);
  sprig_chat_set_model_id (self->chat, self->model_name);
  sprig_chat_set_backend (self->chat, info->backend);
  show_main_page (self);
  _sprig_window_update_title (self);
  if (info->chat_warning != NULL)
    _sprig_window_toast (self, info->chat_warning);
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
      {
        g_autofree char *message = g_strdup_printf (_("Could not load the model: %s"),
                                                    event->error->message);

        self->load_request = 0;
        show_main_page (self);
        _sprig_window_toast (self, message);
      }
      break;
    case SE_EVENT_TOKENS:
    default:
      break;
    }
}

/* Loads @path in the engine's thread; the window shows progress meanwhile. */
void
sprig_window_load_model (SprigWindow *self,
                         const char  *path)
{
  g_autofree char *name = NULL;

  g_return_if_fail (SPRIG_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  name = g_path_get_basename (path);
  adw_status_page_set_description (self->loading_page, name);
  gtk_progress_bar_set_fraction (self->load_progress, 0);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  if (self->load_request != 0)
    se_engine_cancel (self->engine, self->load_request);
  self->load_request = se_engine_load (self->engine, path, NULL, 0, load_event_cb,
                                       g_object_ref (self), g_object_unref);
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

static GtkFileFilter *
gguf_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("GGUF Models"));
  gtk_file_filter_add_pattern (filter, "*.gguf");
  gtk_file_filter_add_pattern (filter, "*.GGUF");
  return filter;
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
file_dialog_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;
  g_autoptr(GFile) file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, NULL);

  if (file != NULL)
    load_file (self, file);
}

void
_sprig_window_open_model (SprigWindow *self)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) filter = gguf_filter ();

  g_list_store_append (filters, filter);
  gtk_file_dialog_set_title (dialog, _("Open Model"));
  gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
  gtk_file_dialog_set_default_filter (dialog, filter);
  gtk_file_dialog_open (dialog, GTK_WINDOW (self), NULL, file_dialog_cb, g_object_ref (self));
}
#else
static void
file_chooser_response_cb (GtkNativeDialog *native,
                          int              response,
                          SprigWindow     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        load_file (self, file);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

void
_sprig_window_open_model (SprigWindow *self)
{
  g_autoptr(GtkFileFilter) filter = gguf_filter ();
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (_("Open Model"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_object (native, "response", G_CALLBACK (file_chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}
#endif
