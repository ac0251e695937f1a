/* SPDX-License-Identifier: Apache-2.0
 *
 * Program entry of the Sprig app: sets up gettext and runs SprigApplication.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sprig-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SprigApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = sprig_application_new (APP_ID);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
