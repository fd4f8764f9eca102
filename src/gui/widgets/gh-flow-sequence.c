/* gh-flow-sequence.c — GhFlowSequence: one flow as a sequence diagram between the client, the
 * browser, Gatehouse, the CIMD host and the MCP server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "gh-admin-json.h"
#include "gh-flow-chart.h"
#include "gh-flow-sequence.h"
#include "gh-format.h"

#define MARGIN 12
#define TIME_W 64
#define LANE_MIN_W 64
#define HEADER_H 50
#define ROW_H 36
#define GAP_H 26
#define HEAD 7
/* Messages further apart than this get a "3 min later" break between them. */
#define GAP_MIN_US ((gint64) G_USEC_PER_SEC)

/* How the arrows come from what was recorded. A flow's record is its events (steps) and the
 * discovery requests from the same address and User-Agent before it (probes); each gives the
 * request that caused it and the answer, in this order in time (a request at the step's
 * started_at, its answer at the event's time; steps sharing a started_at were one request):
 *
 * - a probe: Client → Gatehouse "GET /.well-known/…" and its status back; from the Browser
 *   when it had an Origin or was a CORS preflight (OPTIONS);
 * - authorization.started: Browser → Gatehouse "/authorize" (the method is not recorded), and
 *   its answer: the login or consent page, named from the step that follows;
 * - authorization.refused: Browser → Gatehouse "/authorize"; redirected (3xx): "302 error"
 *   and a dotted Browser → Client redirect; else "400 error (error page)";
 * - oauth_client.cimd_fetched / cimd_fetch_failed: by the step's cache result: a hit is a
 *   note on Gatehouse's lifeline ("cache hit: <path>": the host was not asked); a miss,
 *   revalidation or bypass is Gatehouse → CIMD host (the client_id's host) "GET <its path>",
 *   the document or the failed check back; both DOTTED on a step without a cache result
 *   (recorded before steps carried it): then the record does not say whether the host was
 *   asked;
 * - user.logged_in: Browser → Gatehouse "POST /login (user)", the consent page back;
 * - consent.granted / authorization.denied: Browser → Gatehouse "POST /consent: allow / deny";
 *   a denial answers "error=access_denied" and is redirected (dotted) to the client;
 * - code.issued: the answer to the request it shares a start with (consent, or /authorize
 *   when nothing had to be asked): "303 redirect with the code", then a dotted Browser →
 *   Client "redirect_uri?code=…": the browser following it is not recorded;
 * - token.issued, token.refused, code.replayed, token.refreshed,
 *   refresh_token.reuse_detected: Client → Gatehouse "POST /token (grant_type)", the tokens
 *   or the error back;
 * - token.revoked: Client → Gatehouse "POST /revoke";
 * - token.introspected: MCP server → Gatehouse "POST /introspect": introspection is the
 *   resource server's call (the record names the client that authenticated, not the host);
 * - oauth_client.registered / registration_refused, iat.rejected: Client → Gatehouse
 *   "POST /register";
 * - anything else (iat.used, resource.added, cimd_changed, …): a note on Gatehouse's
 *   lifeline.
 *
 * The answer arrows carry the recorded HTTP status and error; every arrow is coloured by how
 * its step went (gh_flow_step_status; a probe by gh_flow_hit_status). Requests have filled
 * heads, answers open ones; what the record implies but does not show is dotted. */

typedef struct
{
  GhFlowSequenceLane  from;
  GhFlowSequenceLane  to;       /* from == to: a note on that lifeline */
  gint64              time;
  guint               order;    /* as added: equal times keep it */
  char               *label;
  char               *tooltip;
  GhFlowStepStatus    status;
  gboolean            reply;
  gboolean            inferred;
  gboolean            probe;
  gint64              event_id; /* 0 for a probe */
  double              y;        /* the row's top in the drawing */
} Message;

struct _GhFlowSequence
{
  GtkWidget    parent_instance;

  GhFlowChart  chart;       /* top: the lifelines' names; caption: the legend */

  JsonObject  *detail;
  char        *flow_id;
  GPtrArray   *messages;    /* Message, in time order */
  GArray      *gaps;        /* double pairs: a break's top, and the µs it stands for */
  gboolean     lanes[GH_FLOW_SEQUENCE_N_LANES];
  char        *subtitles[GH_FLOW_SEQUENCE_N_LANES];
  char        *description;
};

G_DEFINE_FINAL_TYPE (GhFlowSequence, gh_flow_sequence, GTK_TYPE_WIDGET)

static void
message_free (Message *message)
{
  g_free (message->label);
  g_free (message->tooltip);
  g_free (message);
}

const char *
gh_flow_sequence_lane_name (GhFlowSequenceLane lane)
{
  static const char * const names[] = {
    N_("Client"), N_("Browser"), N_("Gatehouse"), N_("CIMD host"), N_("MCP server"),
  };

  g_return_val_if_fail (lane < GH_FLOW_SEQUENCE_N_LANES, NULL);
  return _(names[lane]);
}

/* --- from the record to messages ---------------------------------------------------------- */

static Message *
add (GhFlowSequence     *self,
     GhFlowSequenceLane  from,
     GhFlowSequenceLane  to,
     gint64              time,
     GhFlowStepStatus    status,
     gboolean            reply,
     gint64              event_id,
     char               *label)
{
  Message *message = g_new0 (Message, 1);

  message->from = from;
  message->to = to;
  message->time = time;
  message->order = self->messages->len;
  message->status = status;
  message->reply = reply;
  message->event_id = event_id;
  message->label = label;
  g_ptr_array_add (self->messages, message);
  self->lanes[from] = self->lanes[to] = TRUE;
  return message;
}

/* "400 invalid_grant", or "302" */
static char *
answer_text (gint64      status,
             const char *error)
{
  if (status > 0 && error != NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " %s", status, error);
  if (status > 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, status);
  return g_strdup (error != NULL ? error : "");
}

static void
add_probe (GhFlowSequence *self,
           JsonObject     *hit)
{
  const char *method = gh_json_string (hit, "method") ?: "GET";
  const char *origin = gh_json_string (hit, "origin");
  gboolean browser = origin != NULL || g_strcmp0 (method, "OPTIONS") == 0;
  GhFlowSequenceLane from = browser ? GH_FLOW_SEQUENCE_BROWSER : GH_FLOW_SEQUENCE_CLIENT;
  gint64 time = gh_json_int (hit, "time");
  GhFlowStepStatus status = gh_flow_hit_status (hit);
  Message *request, *answer;

  request = add (self, from, GH_FLOW_SEQUENCE_GATEHOUSE, time, status, FALSE, 0,
                 g_strdup_printf ("%s %s", method, gh_json_string (hit, "path") ?: "?"));
  answer = add (self, GH_FLOW_SEQUENCE_GATEHOUSE, from, time, status, TRUE, 0,
                answer_text (gh_json_int (hit, "status"), NULL));
  request->probe = answer->probe = TRUE;
  /* Translators: tooltip of a discovery request in the sequence diagram */
  request->tooltip = g_strdup_printf (_("A discovery request before the flow, from the same "
                                        "address and User-Agent (%s)%s%s"),
                                      gh_json_string (hit, "user_agent") ?: "?",
                                      origin != NULL ? _("; Origin: ") : "",
                                      origin != NULL ? origin : "");
  answer->tooltip = g_strdup (request->tooltip);
}

/* The type of step @i of @steps, or "" past the end. */
static const char *
type_at (JsonArray *steps,
         guint      i)
{
  if (i >= json_array_get_length (steps))
    return "";
  return gh_json_string (json_array_get_object_element (steps, i), "type") ?: "";
}

static gint64
started_at (JsonArray *steps,
            guint      i)
{
  if (i >= json_array_get_length (steps))
    return 0;
  return gh_json_int (json_array_get_object_element (steps, i), "started_at");
}

/* What a page answer led to, from the step after it. */
static const char *
page_after (const char *next)
{
  if (g_str_equal (next, "user.logged_in"))
    return _("login page");
  if (g_str_equal (next, "consent.granted") || g_str_equal (next, "authorization.denied"))
    return _("consent page");
  return NULL;
}

/* The host of a URL, or NULL. */
static char *
host_of (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  return uri != NULL && g_uri_get_host (uri) != NULL ? g_strdup (g_uri_get_host (uri)) : NULL;
}

static char *
path_of (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  return g_strdup (uri != NULL && *g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/");
}

/* Step @i: its request (unless the step before shares its request) and its answer (unless the
 * step after does: the later step answers), and what follows from the answer. */
static void
add_step (GhFlowSequence *self,
          JsonArray      *steps,
          guint           i)
{
  JsonObject *step = json_array_get_object_element (steps, i);
  JsonObject *params = gh_json_object (step, "params");
  JsonObject *explain = gh_json_object (step, "explain");
  const char *type = gh_json_string (step, "type") ?: "";
  const char *next = type_at (steps, i + 1);
  const char *error = gh_json_string (step, "error");
  const char *why = gh_json_string (step, "error_description");
  const char *grant = gh_json_string (params, "grant_type");
  const char *redirect_uri = gh_json_string (params, "redirect_uri");
  gint64 event_id = gh_json_int (step, "event_id");
  gint64 time = gh_json_int (step, "time");
  gint64 start = gh_json_int (step, "started_at");
  gint64 http = gh_json_int (step, "status");
  GhFlowStepStatus status = gh_flow_step_status (step);
  gboolean shares_before = start > 0 && i > 0 && started_at (steps, i - 1) == start;
  gboolean shares_after = start > 0 && started_at (steps, i + 1) == start;
  GhFlowSequenceLane from = GH_FLOW_SEQUENCE_GATEHOUSE;
  g_autofree char *request = NULL;
  g_autofree char *answer = NULL;
  char *redirect = NULL;  /* a dotted Browser → Client redirect after the answer */
  Message *message;

  if (why == NULL && explain != NULL)
    why = gh_json_string (explain, "message");

  if (g_str_equal (type, "authorization.started") || g_str_equal (type, "authorization.refused"))
    {
      from = GH_FLOW_SEQUENCE_BROWSER;
      request = g_strdup ("/authorize");
      if (status == GH_FLOW_STEP_FAILED && http >= 300 && http < 400)
        {
          answer = answer_text (http, error);
          redirect = g_strdup_printf ("redirect_uri?error=%s", error ?: "?");
        }
      else if (status == GH_FLOW_STEP_FAILED)
        {
          g_autofree char *what = answer_text (http, error);

          /* Translators: an answer arrow: "400 invalid_request (error page)" */
          answer = g_strdup_printf (_("%s (error page)"), what);
        }
      else if (page_after (next) != NULL)
        answer = g_strdup_printf ("%" G_GINT64_FORMAT " %s", http, page_after (next));
    }
  else if (g_str_equal (type, "user.logged_in"))
    {
      from = GH_FLOW_SEQUENCE_BROWSER;
      request = g_strdup_printf ("POST /login (%s)", gh_json_string (step, "user_id") ?: "?");
      if (page_after (next) != NULL)
        answer = g_strdup_printf ("%" G_GINT64_FORMAT " %s", http, page_after (next));
    }
  else if (g_str_equal (type, "consent.granted") || g_str_equal (type, "authorization.denied"))
    {
      gboolean denied = g_str_equal (type, "authorization.denied");

      from = GH_FLOW_SEQUENCE_BROWSER;
      request = g_strdup (denied ? _("POST /consent: deny") : _("POST /consent: allow"));
      if (denied)
        {
          answer = answer_text (http, error ?: "access_denied");
          redirect = g_strdup_printf ("redirect_uri?error=%s", error ?: "access_denied");
        }
    }
  else if (g_str_equal (type, "code.issued"))
    {
      from = GH_FLOW_SEQUENCE_BROWSER;
      request = g_strdup ("/authorize");
      /* Translators: the answer that carries the authorization code to the browser */
      answer = g_strdup_printf (_("%" G_GINT64_FORMAT " redirect with the code"), http);
      redirect = g_strdup ("redirect_uri?code=…");
    }
  else if (g_str_has_prefix (type, "token.") && !g_str_equal (type, "token.introspected") &&
           !g_str_equal (type, "token.revoked"))
    {
      from = GH_FLOW_SEQUENCE_CLIENT;
      request = g_strdup_printf ("POST /token (%s)", grant ?: (g_str_equal (type, "token.refreshed")
                                                               ? "refresh_token" : "?"));
      answer = status == GH_FLOW_STEP_FAILED ? answer_text (http, error)
               : g_strdup_printf (_("%" G_GINT64_FORMAT " tokens"), http);
    }
  else if (g_str_equal (type, "code.replayed") ||
           g_str_equal (type, "refresh_token.reuse_detected"))
    {
      from = GH_FLOW_SEQUENCE_CLIENT;
      request = g_strdup_printf ("POST /token (%s)", grant ?: (g_str_equal (type, "code.replayed")
                                                               ? "authorization_code"
                                                               : "refresh_token"));
      answer = answer_text (http, error ?: "invalid_grant");
    }
  else if (g_str_equal (type, "token.revoked"))
    {
      from = GH_FLOW_SEQUENCE_CLIENT;
      request = g_strdup ("POST /revoke");
      answer = answer_text (http > 0 ? http : 200, NULL);
    }
  else if (g_str_equal (type, "token.introspected"))
    {
      from = GH_FLOW_SEQUENCE_MCP;
      request = g_strdup ("POST /introspect");
      answer = answer_text (http > 0 ? http : 200, NULL);
    }
  else if (g_str_equal (type, "oauth_client.registered") ||
           g_str_equal (type, "oauth_client.registration_refused") ||
           g_str_equal (type, "iat.rejected"))
    {
      from = GH_FLOW_SEQUENCE_CLIENT;
      request = g_strdup ("POST /register");
      answer = status == GH_FLOW_STEP_FAILED ? answer_text (http, error ?: _("refused"))
                                             : answer_text (http > 0 ? http : 201, NULL);
    }
  else if (g_str_has_prefix (type, "oauth_client.cimd_fetch"))
    {
      const char *client_id = gh_json_string (step, "client_id");
      g_autofree char *host = host_of (client_id);
      g_autofree char *path = path_of (client_id);
      gboolean failed = status == GH_FLOW_STEP_FAILED;
      Message *reply;

      JsonObject *cache = gh_json_object (step, "cache");
      const char *result = gh_json_string (cache, "result");
      const char *cache_why = gh_json_string (cache, "why");

      if (g_strcmp0 (result, "hit") == 0)
        {
          /* The cache answered: nothing went to the host */
          /* Translators: a note on Gatehouse's lifeline: "cache hit: /oauth/c.json" */
          message = add (self, GH_FLOW_SEQUENCE_GATEHOUSE, GH_FLOW_SEQUENCE_GATEHOUSE, time,
                         status, FALSE, event_id, g_strdup_printf (_("cache hit: %s"), path));
          /* Translators: tooltip of a CIMD resolution the cache answered */
          message->tooltip = g_strdup_printf (_("%s\nThe cached document answered (%s); the "
                                                "host was not asked.%s%s"),
                                              client_id ?: "?", cache_why ?: "",
                                              failed && why != NULL ? "\n" : "",
                                              failed && why != NULL ? why : "");
          return;
        }
      g_free (self->subtitles[GH_FLOW_SEQUENCE_CIMD]);
      self->subtitles[GH_FLOW_SEQUENCE_CIMD] = g_strdup (host);
      message = add (self, GH_FLOW_SEQUENCE_GATEHOUSE, GH_FLOW_SEQUENCE_CIMD, time, status, FALSE,
                     event_id, g_strcmp0 (result, "revalidated") == 0
                               /* Translators: a conditional request to the CIMD host */
                               ? g_strdup_printf (_("GET %s (revalidate)"), path)
                               : g_strdup_printf ("GET %s", path));
      reply = add (self, GH_FLOW_SEQUENCE_CIMD, GH_FLOW_SEQUENCE_GATEHOUSE, time, status, TRUE,
                   event_id, failed ? g_strdup (gh_json_string (explain, "rule") ?: _("refused"))
                                    : g_strdup (_("metadata document")));
      /* Dotted only when the record does not say whether the host was asked (older events) */
      message->inferred = reply->inferred = result == NULL;
      if (result != NULL)
        /* Translators: tooltip of the CIMD fetch arrows: the URL, "cache miss" and why */
        message->tooltip = g_strdup_printf (_("%s\n%s: %s"), client_id ?: "?",
                                            gh_flow_step_cache (step), cache_why ?: "");
      else
        /* Translators: tooltip of the CIMD fetch arrows */
        message->tooltip = g_strdup_printf (_("%s\nThe flow's record does not say whether the "
                                              "host was asked or the cache answered; the "
                                              "event in Audit has the cache result."),
                                            client_id ?: "?");
      reply->tooltip = g_strdup (failed && why != NULL ? why : message->tooltip);
      return;
    }
  else
    {
      message = add (self, GH_FLOW_SEQUENCE_GATEHOUSE, GH_FLOW_SEQUENCE_GATEHOUSE, time, status,
                     FALSE, event_id, g_strdup (gh_flow_step_title (type)));
      message->tooltip = g_strdup (why);
      return;
    }

  /* The browser's lifeline names it by the User-Agent its first request sent */
  if (from == GH_FLOW_SEQUENCE_BROWSER && self->subtitles[from] == NULL &&
      gh_json_string (step, "user_agent") != NULL)
    self->subtitles[from] = g_strdup (gh_json_string (step, "user_agent"));

  if (!shares_before)
    {
      message = add (self, from, GH_FLOW_SEQUENCE_GATEHOUSE, start > 0 && start <= time ? start
                                                                                     : time,
                     status, FALSE, event_id, g_steal_pointer (&request));
      if (g_str_equal (message->label, "/authorize") && redirect_uri != NULL)
        message->tooltip = g_strdup_printf ("redirect_uri %s\nscope %s", redirect_uri,
                                            gh_json_string (params, "scope") ?: "—");
    }
  if (!shares_after)
    {
      if (answer == NULL)
        answer = answer_text (http, NULL);
      message = add (self, GH_FLOW_SEQUENCE_GATEHOUSE, from, time, status, TRUE, event_id,
                     g_steal_pointer (&answer));
      message->tooltip = g_strdup (why);
      if (redirect != NULL)
        {
          message = add (self, GH_FLOW_SEQUENCE_BROWSER, GH_FLOW_SEQUENCE_CLIENT, time, status,
                         FALSE, event_id, redirect);
          redirect = NULL;
          message->inferred = TRUE;
          /* Translators: tooltip of the dotted arrow from the browser to the client */
          message->tooltip = g_strdup_printf (_("%s\nThe browser follows the redirect to the "
                                                "client: not recorded here"),
                                              redirect_uri != NULL ? redirect_uri : "");
        }
    }
  g_free (redirect);
}

static int
compare_messages (gconstpointer a,
                  gconstpointer b)
{
  const Message *x = *(Message * const *) a;
  const Message *y = *(Message * const *) b;

  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Rows top-down, with a break where the messages are far apart in time. */
static void
lay_out (GhFlowSequence *self)
{
  double y = 8;

  g_array_set_size (self->gaps, 0);
  for (guint i = 0; i < self->messages->len; i++)
    {
      Message *message = g_ptr_array_index (self->messages, i);

      if (i > 0)
        {
          Message *before = g_ptr_array_index (self->messages, i - 1);
          double gap[2] = { y, (double) (message->time - before->time) };

          if (message->time - before->time >= GAP_MIN_US)
            {
              g_array_append_vals (self->gaps, gap, 2);
              y += GAP_H;
            }
        }
      message->y = y;
      y += ROW_H;
    }
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->chart.canvas), (int) y + 8);
}

/* --- drawing ------------------------------------------------------------------------------ */

static guint
n_lanes (GhFlowSequence *self)
{
  guint n = 0;

  for (guint i = 0; i < GH_FLOW_SEQUENCE_N_LANES; i++)
    n += self->lanes[i];
  return n;
}

/* The x of @lane's lifeline in a drawing @width wide. */
static double
lane_x (GhFlowSequence     *self,
        int                 width,
        GhFlowSequenceLane  lane)
{
  guint n = MAX (n_lanes (self), 1);
  guint index = 0;
  double slot = (width - TIME_W - MARGIN) / (double) n;

  for (guint i = 0; i < lane; i++)
    index += self->lanes[i];
  return TIME_W + slot * (index + 0.5);
}

static PangoLayout *
text_layout (GtkWidget  *widget,
             const char *text,
             double      scale,
             gboolean    bold,
             double      max_width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  return layout;
}

static void
draw_header (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  GhFlowSequence *self = GH_FLOW_SEQUENCE (user_data);
  GtkWidget *widget = GTK_WIDGET (area);
  double slot = (width - TIME_W - MARGIN) / (double) MAX (n_lanes (self), 1);
  GdkRGBA fg, dim, box;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = box = fg;
  dim.alpha *= 0.55f;
  box.alpha *= 0.08f;

  for (guint lane = 0; lane < GH_FLOW_SEQUENCE_N_LANES; lane++)
    {
      double x = lane_x (self, width, lane);
      double w = MIN (slot - 10, 150);
      g_autoptr(PangoLayout) name = NULL;
      g_autoptr(PangoLayout) sub = NULL;
      int tw, th;

      if (!self->lanes[lane])
        continue;
      gdk_cairo_set_source_rgba (cr, &box);
      cairo_rectangle (cr, x - w / 2, 4, w, height - 8);
      cairo_fill (cr);
      name = text_layout (widget, gh_flow_sequence_lane_name (lane), 1.0, TRUE, w - 8);
      pango_layout_get_pixel_size (name, &tw, &th);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, x - tw / 2.0, self->subtitles[lane] != NULL ? 7 : (height - th) / 2.0);
      pango_cairo_show_layout (cr, name);
      if (self->subtitles[lane] != NULL)
        {
          sub = text_layout (widget, self->subtitles[lane], PANGO_SCALE_SMALL, FALSE, w - 8);
          pango_layout_set_ellipsize (sub, PANGO_ELLIPSIZE_MIDDLE);
          pango_layout_get_pixel_size (sub, &tw, &th);
          gdk_cairo_set_source_rgba (cr, &dim);
          cairo_move_to (cr, x - tw / 2.0, height - 7 - th);
          pango_cairo_show_layout (cr, sub);
        }
      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_rectangle (cr, x - 0.5, height - 4, 1, 4);
      cairo_fill (cr);
    }
}

static void
draw_arrow_head (cairo_t *cr,
                 double   x,
                 double   y,
                 double   direction,
                 gboolean open)
{
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_move_to (cr, x - direction * HEAD, y - HEAD / 1.6);
  cairo_line_to (cr, x, y);
  cairo_line_to (cr, x - direction * HEAD, y + HEAD / 1.6);
  if (open)
    cairo_stroke (cr);
  else
    {
      cairo_close_path (cr);
      cairo_fill (cr);
    }
}

static void
draw_message (GhFlowSequence *self,
              GtkWidget      *widget,
              cairo_t        *cr,
              int             width,
              Message        *message,
              const GdkRGBA  *dim,
              gint64          origin,
              gboolean        show_time)
{
  double x1 = lane_x (self, width, message->from);
  double x2 = lane_x (self, width, message->to);
  double line_y = message->y + ROW_H - 11;
  double span = fabs (x2 - x1);
  g_autoptr(PangoLayout) label = NULL;
  g_autoptr(PangoLayout) when = NULL;
  g_autofree char *offset = message->time > origin
                            ? gh_format_duration (message->time - origin) : g_strdup ("0");
  GdkRGBA color;
  int tw, th;

  gh_flow_step_status_color (widget, message->status, &color);
  if (message->probe)
    color.alpha *= 0.6f;

  /* The time on the left, once for the messages that say the same */
  if (show_time)
    {
      when = text_layout (widget, offset, PANGO_SCALE_SMALL, FALSE, TIME_W - MARGIN - 4);
      pango_layout_get_pixel_size (when, &tw, &th);
      gdk_cairo_set_source_rgba (cr, dim);
      cairo_move_to (cr, TIME_W - 8 - tw, line_y - th / 2.0);
      pango_cairo_show_layout (cr, when);
    }

  if (message->from == message->to)
    {
      /* A note on the lifeline */
      /* A note beside the lifeline, on the side with more room */
      double right = width - MARGIN - x1 - 20;
      double left = x1 - TIME_W - 20;
      double x;

      label = text_layout (widget, message->label, PANGO_SCALE_SMALL, FALSE,
                           MAX (MAX (left, right), 40));
      pango_layout_get_pixel_size (label, &tw, &th);
      x = right >= left ? x1 + 8 : x1 - 8 - (tw + 12);
      color.alpha *= 0.18f;
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, x, line_y - th / 2.0 - 4, tw + 12, th + 8);
      cairo_fill (cr);
      gh_flow_step_status_color (widget, message->status, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_move_to (cr, x + 6, line_y - th / 2.0);
      pango_cairo_show_layout (cr, label);
      return;
    }

  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, message->reply ? 1.2 : 1.6);
  if (message->inferred)
    cairo_set_dash (cr, (double[]) { 2, 3 }, 2, 0);
  cairo_move_to (cr, x1, line_y);
  cairo_line_to (cr, x2 - (x2 > x1 ? 1 : -1) * (message->reply ? 1 : HEAD / 2.0), line_y);
  cairo_stroke (cr);
  draw_arrow_head (cr, x2, line_y, x2 > x1 ? 1 : -1, message->reply);

  /* One message a row: its label may reach past its lanes, over the whole row */
  label = text_layout (widget, message->label, PANGO_SCALE_SMALL,
                       message->status == GH_FLOW_STEP_FAILED,
                       MAX (width - TIME_W - MARGIN, span));
  if (message->inferred)
    {
      PangoAttrList *attrs = pango_attr_list_copy (pango_layout_get_attributes (label));

      pango_attr_list_insert (attrs, pango_attr_style_new (PANGO_STYLE_ITALIC));
      pango_layout_set_attributes (label, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_size (label, &tw, &th);
  cairo_move_to (cr, CLAMP ((x1 + x2) / 2.0 - tw / 2.0, TIME_W, MAX (width - MARGIN - tw, TIME_W)),
                 line_y - th - 3);
  pango_cairo_show_layout (cr, label);
}

static void
draw_canvas (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  GhFlowSequence *self = GH_FLOW_SEQUENCE (user_data);
  GtkWidget *widget = GTK_WIDGET (area);
  GdkRGBA fg, dim, faint;
  gint64 origin = 0;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = faint = fg;
  dim.alpha *= 0.55f;
  faint.alpha *= 0.18f;

  if (self->messages->len == 0)
    {
      g_autoptr(PangoLayout) layout = text_layout (widget, _("No messages recorded"), 1.0,
                                                   FALSE, -1);
      int tw, th;

      pango_layout_get_pixel_size (layout, &tw, &th);
      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_move_to (cr, (width - tw) / 2.0, MARGIN);
      pango_cairo_show_layout (cr, layout);
      return;
    }

  /* Highlighted rows under everything */
  gh_flow_chart_highlight (&self->chart, cr, width);

  /* Lifelines, interrupted at the breaks */
  gdk_cairo_set_source_rgba (cr, &faint);
  cairo_set_line_width (cr, 1);
  for (guint lane = 0; lane < GH_FLOW_SEQUENCE_N_LANES; lane++)
    {
      double x = floor (lane_x (self, width, lane)) + 0.5;
      double top = 0;

      if (!self->lanes[lane])
        continue;
      for (guint g = 0; g < self->gaps->len; g += 2)
        {
          double gap_y = g_array_index (self->gaps, double, g);

          cairo_move_to (cr, x, top);
          cairo_line_to (cr, x, gap_y + 4);
          top = gap_y + GAP_H - 4;
        }
      cairo_move_to (cr, x, top);
      cairo_line_to (cr, x, height);
    }
  cairo_stroke (cr);

  for (guint g = 0; g < self->gaps->len; g += 2)
    {
      double gap_y = g_array_index (self->gaps, double, g);
      g_autofree char *length = gh_format_duration ((gint64) g_array_index (self->gaps,
                                                                            double, g + 1));
      g_autofree char *text = g_strdup_printf (_("%s later"), length);
      g_autoptr(PangoLayout) layout = text_layout (widget, text, PANGO_SCALE_SMALL, TRUE, -1);
      int tw, th;

      pango_layout_get_pixel_size (layout, &tw, &th);
      gdk_cairo_set_source_rgba (cr, &faint);
      cairo_set_dash (cr, (double[]) { 1, 3 }, 2, 0);
      cairo_move_to (cr, MARGIN, gap_y + GAP_H / 2.0);
      cairo_line_to (cr, width - MARGIN, gap_y + GAP_H / 2.0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_move_to (cr, MARGIN, gap_y + (GAP_H - th) / 2.0);
      pango_cairo_show_layout (cr, layout);
    }

  origin = ((Message *) g_ptr_array_index (self->messages, 0))->time;
  for (guint i = 0; i < self->messages->len; i++)
    {
      Message *message = g_ptr_array_index (self->messages, i);
      Message *before = i > 0 ? g_ptr_array_index (self->messages, i - 1) : NULL;
      g_autofree char *now = gh_format_duration (message->time - origin);
      g_autofree char *then = before != NULL ? gh_format_duration (before->time - origin)
                                             : NULL;

      draw_message (self, widget, cr, width, message, &dim, origin, g_strcmp0 (now, then) != 0);
    }
}

/* --- what the diagram says ---------------------------------------------------------------- */

/* "Client → Gatehouse: POST /token (authorization_code)" and how it went. */
static char *
message_text (Message *message)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (message->from == message->to)
    /* Translators: a note on a lifeline of the sequence diagram: "Gatehouse: Resource recorded" */
    g_string_append_printf (text, _("%s: %s"), gh_flow_sequence_lane_name (message->from),
                            message->label);
  else
    /* Translators: an arrow of the sequence diagram: "Client → Gatehouse: POST /token" */
    g_string_append_printf (text, _("%s → %s: %s"), gh_flow_sequence_lane_name (message->from),
                            gh_flow_sequence_lane_name (message->to), message->label);
  if (message->status == GH_FLOW_STEP_FAILED)
    g_string_append (text, _(" (failed)"));
  else if (message->status == GH_FLOW_STEP_WARNING)
    g_string_append (text, _(" (warning)"));
  if (message->inferred)
    g_string_append (text, _(" (inferred, not recorded)"));
  if (message->probe)
    g_string_append (text, _(" (discovery, before the flow)"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update_description (GhFlowSequence *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < self->messages->len; i++)
    {
      g_autofree char *line = message_text (g_ptr_array_index (self->messages, i));

      g_string_append_printf (text, "%s%u. %s", i > 0 ? "\n" : "", i + 1, line);
    }
  g_free (self->description);
  self->description = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart.canvas),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description, -1);
}

/* --- the items, for the chart's scaffolding ----------------------------------------------- */

static int
message_at (GhFlowSequence *self,
            double          y)
{
  for (guint i = 0; i < self->messages->len; i++)
    {
      Message *message = g_ptr_array_index (self->messages, i);

      if (y >= message->y && y < message->y + ROW_H)
        return i;
    }
  return -1;
}

static guint
items_n (GtkWidget *chart)
{
  return GH_FLOW_SEQUENCE (chart)->messages->len;
}

static int
items_at (GtkWidget *chart,
          double     y)
{
  return message_at (GH_FLOW_SEQUENCE (chart), y);
}

static void
items_span (GtkWidget *chart,
            guint      i,
            double    *top,
            double    *height)
{
  *top = ((Message *) g_ptr_array_index (GH_FLOW_SEQUENCE (chart)->messages, i))->y;
  *height = ROW_H;
}

static gboolean
items_openable (GtkWidget *chart,
                guint      i)
{
  return !((Message *) g_ptr_array_index (GH_FLOW_SEQUENCE (chart)->messages, i))->probe;
}

static gboolean
items_activate (GtkWidget *chart,
                guint      i)
{
  return gh_flow_sequence_activate_message (GH_FLOW_SEQUENCE (chart), i);
}

/* The message in words, its exact time, what the record says of it, what a click does. */
static char *
items_tooltip (GtkWidget *chart,
               guint      i)
{
  Message *message = g_ptr_array_index (GH_FLOW_SEQUENCE (chart)->messages, i);
  g_autofree char *line = message_text (message);
  g_autofree char *time = gh_format_time (message->time);

  return g_strdup_printf ("%s\n%s%s%s%s", line, time, message->tooltip != NULL ? "\n" : "",
                          message->tooltip != NULL ? message->tooltip : "",
                          message->probe ? "" : _("\nClick to open its step in the Timeline"));
}

static const GhFlowChartItems items = {
  items_n, items_at, items_span, items_openable, items_activate, items_tooltip,
};

/* --- the object --------------------------------------------------------------------------- */

static void
gh_flow_sequence_dispose (GObject *object)
{
  GhFlowSequence *self = GH_FLOW_SEQUENCE (object);

  gh_flow_chart_clear (&self->chart);
  G_OBJECT_CLASS (gh_flow_sequence_parent_class)->dispose (object);
}

static void
gh_flow_sequence_finalize (GObject *object)
{
  GhFlowSequence *self = GH_FLOW_SEQUENCE (object);

  g_clear_pointer (&self->detail, json_object_unref);
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_pointer (&self->gaps, g_array_unref);
  for (guint i = 0; i < GH_FLOW_SEQUENCE_N_LANES; i++)
    g_free (self->subtitles[i]);
  g_free (self->flow_id);
  g_free (self->description);
  G_OBJECT_CLASS (gh_flow_sequence_parent_class)->finalize (object);
}

static void
gh_flow_sequence_class_init (GhFlowSequenceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_flow_sequence_dispose;
  object_class->finalize = gh_flow_sequence_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "flowsequence");
}

static void
gh_flow_sequence_init (GhFlowSequence *self)
{
  self->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  self->gaps = g_array_new (FALSE, FALSE, sizeof (double));
  gh_flow_chart_init (&self->chart, GTK_WIDGET (self), &items, HEADER_H, _("Who took part"),
                      draw_header, "flow-sequence-messages", _("The flow as a sequence diagram"),
                      draw_canvas);
  gtk_widget_set_visible (self->chart.caption, TRUE);
  gh_flow_sequence_set_flow (self, NULL);
}

GtkWidget *
gh_flow_sequence_new (void)
{
  return g_object_new (GH_TYPE_FLOW_SEQUENCE, NULL);
}

void
gh_flow_sequence_set_flow (GhFlowSequence *self,
                           JsonObject     *detail)
{
  JsonArray *hits;
  JsonArray *steps;
  guint lanes;

  g_return_if_fail (GH_IS_FLOW_SEQUENCE (self));
  if (detail != NULL)
    json_object_ref (detail);
  g_clear_pointer (&self->detail, json_object_unref);
  self->detail = detail;

  g_clear_pointer (&self->flow_id, g_free);
  self->flow_id = g_strdup (gh_json_string (gh_json_object (detail, "flow"), "id"));
  g_ptr_array_set_size (self->messages, 0);
  for (guint i = 0; i < GH_FLOW_SEQUENCE_N_LANES; i++)
    {
      self->lanes[i] = FALSE;
      g_clear_pointer (&self->subtitles[i], g_free);
    }
  self->lanes[GH_FLOW_SEQUENCE_GATEHOUSE] = TRUE;
  self->subtitles[GH_FLOW_SEQUENCE_CLIENT] =
    g_strdup (gh_json_string (gh_json_object (detail, "flow"), "client_id"));

  hits = gh_json_array (detail, "discovery_hits");
  steps = gh_json_array (detail, "steps");
  for (guint i = 0; hits != NULL && i < json_array_get_length (hits); i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (hits, i)))
      add_probe (self, json_array_get_object_element (hits, i));
  /* The client's registration just before the flow, a step of its own */
  if (gh_json_object (detail, "registration") != NULL)
    {
      g_autoptr(JsonArray) alone = json_array_new ();

      json_array_add_object_element (alone,
                                     json_object_ref (gh_json_object (detail, "registration")));
      add_step (self, alone, 0);
    }
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (steps, i)))
      add_step (self, steps, i);
  g_ptr_array_sort (self->messages, compare_messages);

  lay_out (self);
  lanes = n_lanes (self);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->chart.top),
                                      TIME_W + MARGIN + lanes * LANE_MIN_W);
  update_description (self);
  {
    /* Translators: the legend under the sequence diagram */
    const char *legend = _("Filled heads: requests. Open heads: answers. Dotted: implied by "
                           "the record, not in it.");
    g_autofree char *cut = gh_flow_cut_note (detail);
    g_autofree char *caption = cut != NULL ? g_strdup_printf ("%s\n%s", cut, legend) : NULL;

    gtk_label_set_text (GTK_LABEL (self->chart.caption), caption != NULL ? caption : legend);
  }
  gh_flow_chart_reset (&self->chart);
}

gboolean
gh_flow_sequence_has_lane (GhFlowSequence     *self,
                           GhFlowSequenceLane  lane)
{
  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), FALSE);
  g_return_val_if_fail (lane < GH_FLOW_SEQUENCE_N_LANES, FALSE);
  return self->lanes[lane];
}

const char *
gh_flow_sequence_get_lane_subtitle (GhFlowSequence     *self,
                                    GhFlowSequenceLane  lane)
{
  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), NULL);
  g_return_val_if_fail (lane < GH_FLOW_SEQUENCE_N_LANES, NULL);
  return self->subtitles[lane];
}

guint
gh_flow_sequence_get_n_messages (GhFlowSequence *self)
{
  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), 0);
  return self->messages->len;
}

const char *
gh_flow_sequence_get_message (GhFlowSequence     *self,
                              guint               i,
                              GhFlowSequenceLane *from,
                              GhFlowSequenceLane *to,
                              GhFlowStepStatus   *status,
                              gboolean           *inferred,
                              gint64             *event_id)
{
  Message *message;

  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), NULL);
  g_return_val_if_fail (i < self->messages->len, NULL);

  message = g_ptr_array_index (self->messages, i);
  if (from != NULL)
    *from = message->from;
  if (to != NULL)
    *to = message->to;
  if (status != NULL)
    *status = message->status;
  if (inferred != NULL)
    *inferred = message->inferred;
  if (event_id != NULL)
    *event_id = message->event_id;
  return message->label;
}

const char *
gh_flow_sequence_get_description (GhFlowSequence *self)
{
  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), NULL);
  return self->description;
}

int
gh_flow_sequence_get_message_at (GhFlowSequence *self,
                                 double          y)
{
  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), -1);
  return message_at (self, y);
}

gboolean
gh_flow_sequence_activate_message (GhFlowSequence *self,
                                   guint           i)
{
  Message *message;

  g_return_val_if_fail (GH_IS_FLOW_SEQUENCE (self), FALSE);

  if (i >= self->messages->len)
    return FALSE;
  message = g_ptr_array_index (self->messages, i);
  return !message->probe && gh_flow_open_step (GTK_WIDGET (self), self->flow_id,
                                               message->event_id);
}
