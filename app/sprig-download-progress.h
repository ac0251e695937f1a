/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-model-manager.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_DOWNLOAD_PROGRESS (sprig_download_progress_get_type ())

G_DECLARE_FINAL_TYPE (SprigDownloadProgress, sprig_download_progress, SPRIG, DOWNLOAD_PROGRESS,
                      GtkWidget)

/* Shows the download of catalog entry @entry_id while there is one (else it hides):
 * a progress bar, bytes, speed and time left, Pause/Resume, Cancel, and the error with
 * Retry when it failed. */
GtkWidget *sprig_download_progress_new         (SprigModelManager     *manager,
                                                const char            *entry_id);
/* "12 MB of 248 MB · 2.1 MB/s · 2 minutes left", or what the download is doing. */
char      *sprig_download_progress_describe    (SprigDownload         *download);
GtkLabel  *sprig_download_progress_get_label   (SprigDownloadProgress *self);

G_END_DECLS
