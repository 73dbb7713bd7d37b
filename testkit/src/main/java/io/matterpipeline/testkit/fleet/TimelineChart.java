package io.matterpipeline.testkit.fleet;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a timeline as SVG: one panel per service with the backlog of its queue (area, left axis) and its instance
 * count (step line, right axis) over time; kills are red ticks, scale-in SIGTERMs blue ticks, and the time the
 * broker was down is shaded.
 */
final class TimelineChart {

    private static final int WIDTH = 900;
    private static final int PANEL = 150;
    private static final int LEFT = 70;
    private static final int RIGHT = 50;
    private static final int TOP = 40;
    private static final int GAP = 30;

    private TimelineChart() {
    }

    /** @param services service name to its queues, in panel order */
    static String svg(String title, List<TimelinePoint> points, Map<String, List<String>> services) {
        double end = points.isEmpty() ? 1 : Math.max(1, points.get(points.size() - 1).t());
        int height = TOP + services.size() * (PANEL + GAP) + 30;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, height, WIDTH, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, escape(title)));
        int panel = 0;
        for (Map.Entry<String, List<String>> service : services.entrySet()) {
            int top = TOP + panel++ * (PANEL + GAP);
            panel(svg, points, service.getKey(), service.getValue(), top, end);
        }
        int axisY = TOP + services.size() * (PANEL + GAP) - GAP + 18;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">seconds</text>%n", WIDTH - RIGHT - 40,
                axisY + 10));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static int backlog(TimelinePoint point, List<String> queues) {
        return queues.stream().mapToInt(queue -> point.backlog().getOrDefault(queue, 0)).sum();
    }

    private static void panel(StringBuilder svg, List<TimelinePoint> points, String service, List<String> queues,
            int top, double end) {
        int plotWidth = WIDTH - LEFT - RIGHT;
        String queue = String.join(" + ", queues);
        int maxBacklog = Math.max(1, points.stream().mapToInt(p -> backlog(p, queues)).max().orElse(1));
        int maxInstances = Math.max(1, points.stream().mapToInt(p -> p.instances().getOrDefault(service, 0)
                + p.draining().getOrDefault(service, 0)).max().orElse(1));
        svg.append(String.format(Locale.ROOT, "<g><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
                + "stroke=\"#ccc\"/>%n", LEFT, top, plotWidth, PANEL));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>"
                + "<text x=\"%d\" y=\"%d\" fill=\"#4a7ab5\">backlog of %s (max %d)</text>"
                + "<text x=\"%d\" y=\"%d\" fill=\"#d0641e\" text-anchor=\"end\">instances (max %d)</text>%n",
                LEFT, top - 5, service, LEFT + 160, top - 5, queue, maxBacklog, WIDTH - RIGHT, top - 5, maxInstances));
        // Broker down: shaded.
        Double downFrom = null;
        for (TimelinePoint point : points) {
            if (!point.brokerUp() && downFrom == null) {
                downFrom = point.t();
            } else if (point.brokerUp() && downFrom != null) {
                shade(svg, x(downFrom, end), x(point.t(), end), top);
                downFrom = null;
            }
        }
        if (downFrom != null) {
            shade(svg, x(downFrom, end), x(end, end), top);
        }
        // Backlog: area.
        StringBuilder area = new StringBuilder();
        area.append(String.format(Locale.ROOT, "M%.1f,%d", x(points.isEmpty() ? 0 : points.get(0).t(), end),
                top + PANEL));
        for (TimelinePoint point : points) {
            area.append(String.format(Locale.ROOT, " L%.1f,%.1f", x(point.t(), end),
                    top + PANEL - PANEL * (double) backlog(point, queues) / maxBacklog));
        }
        area.append(String.format(Locale.ROOT, " L%.1f,%d Z", x(end, end), top + PANEL));
        svg.append("<path d=\"").append(area).append("\" fill=\"#4a7ab5\" fill-opacity=\"0.35\" stroke=\"#4a7ab5\"/>\n");
        // Instances: steps.
        StringBuilder steps = new StringBuilder();
        Double previousY = null;
        for (TimelinePoint point : points) {
            double y = top + PANEL - (PANEL - 10) * (double) point.instances().getOrDefault(service, 0) / maxInstances;
            double xx = x(point.t(), end);
            steps.append(previousY == null ? String.format(Locale.ROOT, "M%.1f,%.1f", xx, y)
                    : String.format(Locale.ROOT, " L%.1f,%.1f L%.1f,%.1f", xx, previousY, xx, y));
            previousY = y;
        }
        svg.append("<path d=\"").append(steps).append("\" fill=\"none\" stroke=\"#d0641e\" stroke-width=\"2\"/>\n");
        // Events: kills red, SIGTERMs blue.
        for (TimelinePoint point : points) {
            for (String event : point.events()) {
                String color = event.startsWith("kill " + service) ? "#c00"
                        : event.startsWith("sigterm " + service) ? "#36c" : null;
                if (color != null) {
                    double xx = x(point.t(), end);
                    svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                            + "stroke=\"%s\" stroke-width=\"1.5\"><title>%s</title></line>%n", xx, top, xx, top + 12,
                            color, escape(event)));
                }
            }
        }
        // Axes.
        for (int i = 0; i <= 4; i++) {
            double t = end * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">"
                    + "%.0f</text>%n", x(t, end), top + PANEL + 13, t));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#4a7ab5\">%d</text>"
                + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#4a7ab5\">0</text>"
                + "<text x=\"%d\" y=\"%d\" fill=\"#d0641e\">%d</text></g>%n",
                LEFT - 4, top + 10, maxBacklog, LEFT - 4, top + PANEL, WIDTH - RIGHT + 4, top + 14, maxInstances));
    }

    private static void shade(StringBuilder svg, double from, double to, int top) {
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#999\" "
                + "fill-opacity=\"0.25\"><title>broker down</title></rect>%n", from, top, Math.max(1, to - from),
                PANEL));
    }

    private static double x(double t, double end) {
        return LEFT + (WIDTH - LEFT - RIGHT) * t / end;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
