/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkWidget *sprig_markdown_render (const char *text);

G_END_DECLS
