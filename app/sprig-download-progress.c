/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigDownloadProgress follows one catalog entry's download in the Models window and on
 * the welcome page: a progress bar, a line saying bytes, speed and time left (or what the
 * download is doing, or why it failed) and its controls: Pause or Resume, Cancel, Retry.
 * It follows the download's properties, which SprigDownload notifies at most ten times a
 * second, so it never floods the main loop.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-download-progress.h"

struct _SprigDownloadProgress
{
  GtkWidget parent_instance;

  SprigModelManager *manager;
  char *entry_id;
  SprigDownload *download;

  GtkWidget *box;
  GtkProgressBar *bar;
  GtkLabel *label;
  GtkWidget *pause_button;
  GtkWidget *resume_button;
  GtkWidget *retry_button;
  GtkWidget *cancel_button;
};

G_DEFINE_FINAL_TYPE (SprigDownloadProgress, sprig_download_progress, GTK_TYPE_WIDGET)

static char *
format_time_left (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", (gulong) seconds),
                            (int) seconds);
  if (seconds < 3600)
    {
      int minutes = (int) ((seconds + 30) / 60);

      return g_strdup_printf (ngettext ("%d minute left", "%d minutes left", (gulong) minutes),
                              minutes);
    }
  {
    int hours = (int) ((seconds + 1800) / 3600);

    return g_strdup_printf (ngettext ("%d hour left", "%d hours left", (gulong) hours), hours);
  }
}

static char *
describe_bytes (SprigDownload *download)
{
  g_autofree char *done = g_format_size (sprig_download_get_bytes_done (download));
  guint64 total = sprig_download_get_bytes_total (download);
  g_autofree char *total_text = total > 0 ? g_format_size (total) : NULL;

  /* Translators: bytes downloaded of the file's size, e.g. "12.3 MB of 248.3 MB" */
  return total_text != NULL ? g_strdup_printf (_("%s of %s"), done, total_text) : g_strdup (done);
}

char *
sprig_download_progress_describe (SprigDownload *download)
{
  g_autofree char *bytes = NULL;

  g_return_val_if_fail (SPRIG_IS_DOWNLOAD (download), NULL);

  bytes = describe_bytes (download);
  switch (sprig_download_get_state (download))
    {
    case SPRIG_DOWNLOAD_IDLE:
    case SPRIG_DOWNLOAD_PREPARING:
      return g_strdup (_("Preparing…"));
    case SPRIG_DOWNLOAD_CONNECTING:
      return g_strdup_printf (_("Connecting… %s"), bytes);
    case SPRIG_DOWNLOAD_DOWNLOADING:
      {
        double speed = sprig_download_get_speed (download);
        gint64 eta = sprig_download_get_eta (download);
        g_autofree char *rate = speed > 0 ? g_format_size ((guint64) speed) : NULL;
        g_autofree char *left = eta >= 0 ? format_time_left (eta) : NULL;

        if (rate == NULL)
          return g_steal_pointer (&bytes);
        if (left == NULL)
          /* Translators: bytes so far and the speed ("2.1 MB") per second */
          return g_strdup_printf (_("%s · %s/s"), bytes, rate);
        /* Translators: bytes so far, speed ("2.1 MB") per second, and the time left */
        return g_strdup_printf (_("%s · %s/s · %s"), bytes, rate, left);
      }
    case SPRIG_DOWNLOAD_PAUSED:
      /* Translators: %s is "12.3 MB of 248.3 MB" */
      return g_strdup_printf (_("Paused · %s"), bytes);
    case SPRIG_DOWNLOAD_WAITING:
      /* Translators: %u is the attempt that failed; the reason follows */
      return g_strdup_printf (_("Trying again (attempt %u failed: %s)"),
                              sprig_download_get_attempt (download),
                              sprig_download_get_last_error (download));
    case SPRIG_DOWNLOAD_VERIFYING:
      return g_strdup (_("Checking the file…"));
    case SPRIG_DOWNLOAD_DONE:
      return g_strdup (_("Downloaded"));
    case SPRIG_DOWNLOAD_FAILED:
      return g_strdup (sprig_download_get_last_error (download));
    case SPRIG_DOWNLOAD_CANCELLED:
    default:
      return g_strdup (_("Cancelled"));
    }
}

static void
update (SprigDownloadProgress *self)
{
  SprigDownloadState state;
  g_autofree char *text = NULL;
  guint64 total;

  gtk_widget_set_visible (GTK_WIDGET (self), self->download != NULL);
  if (self->download == NULL)
    return;
  state = sprig_download_get_state (self->download);
  total = sprig_download_get_bytes_total (self->download);
  text = sprig_download_progress_describe (self->download);
  gtk_label_set_label (self->label, text);
  if (state == SPRIG_DOWNLOAD_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->label), "error");
  if (total > 0)
    gtk_progress_bar_set_fraction (self->bar,
                                   (double) sprig_download_get_bytes_done (self->download) / total);
  else if (state == SPRIG_DOWNLOAD_DOWNLOADING)
    gtk_progress_bar_pulse (self->bar);
  gtk_widget_set_visible (self->pause_button, state == SPRIG_DOWNLOAD_PREPARING
                                              || state == SPRIG_DOWNLOAD_CONNECTING
                                              || state == SPRIG_DOWNLOAD_DOWNLOADING
                                              || state == SPRIG_DOWNLOAD_WAITING);
  gtk_widget_set_visible (self->resume_button, state == SPRIG_DOWNLOAD_PAUSED);
  gtk_widget_set_visible (self->retry_button, state == SPRIG_DOWNLOAD_FAILED);
  gtk_widget_set_sensitive (self->cancel_button, state != SPRIG_DOWNLOAD_VERIFYING
                                                 && state != SPRIG_DOWNLOAD_DONE);
}

static void
set_download (SprigDownloadProgress *self,
              SprigDownload         *download)
{
  if (self->download == download)
    {
      update (self);
      return;
    }
  if (self->download != NULL)
    g_signal_handlers_disconnect_by_data (self->download, self);
  g_set_object (&self->download, download);
  if (download != NULL)
    {
      /* bytes-done, speed and eta are notified together with the state changes */
      g_signal_connect_object (download, "notify::bytes-done", G_CALLBACK (update), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (download, "notify::state", G_CALLBACK (update), self,
                               G_CONNECT_SWAPPED);
    }
  update (self);
}

static void
downloads_changed_cb (SprigDownloadProgress *self,
                      const char            *entry_id)
{
  if (g_strcmp0 (entry_id, self->entry_id) == 0)
    set_download (self, sprig_model_manager_get_download (self->manager, self->entry_id));
}

static void
pause_clicked_cb (SprigDownloadProgress *self)
{
  gboolean had_focus = gtk_widget_has_focus (self->pause_button);

  sprig_download_pause (self->download);
  if (had_focus && gtk_widget_get_visible (self->resume_button))
    gtk_widget_grab_focus (self->resume_button);
}

static void
resume_clicked_cb (SprigDownloadProgress *self)
{
  gboolean had_focus = gtk_widget_has_focus (self->resume_button);

  sprig_download_resume (self->download);
  if (had_focus && gtk_widget_get_visible (self->pause_button))
    gtk_widget_grab_focus (self->pause_button);
}

static void
retry_clicked_cb (SprigDownloadProgress *self)
{
  sprig_model_manager_download (self->manager, self->entry_id);
}

static void
cancel_clicked_cb (SprigDownloadProgress *self)
{
  sprig_model_manager_cancel_download (self->manager, self->entry_id);
}

static GtkWidget *
icon_button (SprigDownloadProgress *self,
             const char            *icon,
             const char            *label,
             GCallback              callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

static void
sprig_download_progress_dispose (GObject *object)
{
  SprigDownloadProgress *self = SPRIG_DOWNLOAD_PROGRESS (object);

  if (self->download != NULL)
    g_signal_handlers_disconnect_by_data (self->download, self);
  g_clear_object (&self->download);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->entry_id, g_free);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (sprig_download_progress_parent_class)->dispose (object);
}

static void
sprig_download_progress_class_init (SprigDownloadProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_download_progress_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sprig-download-progress");
}

static void
sprig_download_progress_init (SprigDownloadProgress *self)
{
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Download progress"), -1);
  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->label, 0);
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_wrap_mode (self->label, PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (GTK_WIDGET (self->label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->label), "numeric");
  gtk_widget_set_valign (column, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (column, TRUE);
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->bar));
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->label));
  gtk_box_append (GTK_BOX (self->box), column);

  self->pause_button = icon_button (self, "media-playback-pause-symbolic", _("Pause Download"),
                                    G_CALLBACK (pause_clicked_cb));
  self->resume_button = icon_button (self, "media-playback-start-symbolic", _("Resume Download"),
                                     G_CALLBACK (resume_clicked_cb));
  self->retry_button = icon_button (self, "view-refresh-symbolic", _("Retry Download"),
                                    G_CALLBACK (retry_clicked_cb));
  self->cancel_button = icon_button (self, "process-stop-symbolic", _("Cancel Download"),
                                     G_CALLBACK (cancel_clicked_cb));
  gtk_box_append (GTK_BOX (self->box), self->pause_button);
  gtk_box_append (GTK_BOX (self->box), self->resume_button);
  gtk_box_append (GTK_BOX (self->box), self->retry_button);
  gtk_box_append (GTK_BOX (self->box), self->cancel_button);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

GtkWidget *
sprig_download_progress_new (SprigModelManager *manager,
                             const char        *entry_id)
{
  SprigDownloadProgress *self;

  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (manager), NULL);
  g_return_val_if_fail (entry_id != NULL, NULL);

  self = g_object_new (SPRIG_TYPE_DOWNLOAD_PROGRESS, NULL);
  self->manager = g_object_ref (manager);
  self->entry_id = g_strdup (entry_id);
  g_signal_connect_object (manager, "downloads-changed", G_CALLBACK (downloads_changed_cb), self,
                           G_CONNECT_SWAPPED);
  set_download (self, sprig_model_manager_get_download (manager, entry_id));
  return GTK_WIDGET (self);
}

GtkLabel *
sprig_download_progress_get_label (SprigDownloadProgress *self)
{
  g_return_val_if_fail (SPRIG_IS_DOWNLOAD_PROGRESS (self), NULL);
  return self->label;
}
