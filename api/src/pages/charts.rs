//! Charts as plain inline SVG, drawn on the server: horizontal bars, stacked bars, and a line
//! over time against target levels. No script, no font, no external file: each chart is an
//! `<svg role="img">` with a `<title>` and a `<desc>`, and the page puts the same figures in a
//! `<table>` beside it (the table is the record; the chart is a picture of it).
//!
//! Amounts arrive as the API's exact decimal strings. Only the geometry (a bar's length) is
//! computed in floating point; no figure shown as text is ever computed here.

use maud::{html, Markup};

/// One bar: its label and its value (an exact decimal string, e.g. `"1250000.00"`).
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: &'a str,
}

/// One stacked bar: its label and one value per series.
pub struct Stack<'a> {
    pub label: &'a str,
    pub values: Vec<&'a str>,
}

/// One point of a line: its label on the time axis and its height (geometry only: the table
/// beside the chart holds the figures).
pub struct Point<'a> {
    pub label: &'a str,
    pub value: f64,
}

/// A level the line is compared with (a capitalization target).
pub struct Level<'a> {
    pub label: &'a str,
    pub value: f64,
}

const WIDTH: f64 = 640.0;
/// The legend's band above a chart of several series.
const LEGEND_HEIGHT: f64 = 22.0;
const LABEL_WIDTH: f64 = 210.0;
const ROW: f64 = 26.0;
const BAR: f64 = 18.0;
/// Fills by series, distinguishable in greyscale print too (light to dark).
const SERIES_FILLS: [&str; 4] = ["#1f5f99", "#8fb8de", "#e0a526", "#6b6b6b"];

fn value_of(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(0.0).max(0.0)
}

fn scale(max: f64) -> f64 {
    if max > 0.0 {
        (WIDTH - LABEL_WIDTH - 10.0) / max
    } else {
        0.0
    }
}

/// Where each value of a stacked bar starts and how long it is.
fn segments(values: &[&str], k: f64) -> Vec<(f64, f64)> {
    let mut x = LABEL_WIDTH;
    values
        .iter()
        .map(|v| {
            let w = value_of(v) * k;
            let segment = (x, w);
            x += w;
            segment
        })
        .collect()
}

/// An accessible chart: an SVG image named by its title and described by its description
/// (`aria-labelledby`), `height` tall, holding `content`.
fn figure(id: &str, title: &str, description: &str, height: f64, content: Markup) -> Markup {
    html! {
        svg class="chart" role="img" aria-labelledby={ (id) "-t " (id) "-d" }
            viewBox={ "0 0 " (WIDTH) " " (height) } width=(WIDTH) height=(height)
            xmlns="http://www.w3.org/2000/svg" {
            title id={ (id) "-t" } { (title) }
            desc id={ (id) "-d" } { (description) }
            (content)
        }
    }
}

/// The legend above a chart of several series: each series' fill and name.
fn legend(series: &[&str]) -> Markup {
    html! {
        @for (s, name) in series.iter().enumerate() {
            @let x = LABEL_WIDTH + 150.0 * s as f64;
            rect x=(x) y="4" width="12" height="12" fill=(SERIES_FILLS[s % SERIES_FILLS.len()]) {}
            text x=(x + 16.0) y="14" class="chart-label" { (name) }
        }
    }
}

/// Horizontal bars, one per row.
pub fn bars(id: &str, title: &str, description: &str, bars: &[Bar<'_>]) -> Markup {
    let max = bars.iter().map(|b| value_of(b.value)).fold(0.0, f64::max);
    let k = scale(max);
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let content = html! {
        @for (i, bar) in bars.iter().enumerate() {
            @let y = 4.0 + ROW * i as f64;
            text x=(LABEL_WIDTH - 6.0) y=(y + BAR - 4.0) text-anchor="end" class="chart-label" { (bar.label) }
            rect x=(LABEL_WIDTH) y=(y) width=(format!("{:.1}", value_of(bar.value) * k)) height=(BAR) fill=(SERIES_FILLS[0]) {}
        }
    };
    figure(id, title, description, height, content)
}

/// Stacked horizontal bars: each row's values side by side, one fill per series (the legend
/// names them).
pub fn stacked(
    id: &str,
    title: &str,
    description: &str,
    series: &[&str],
    rows: &[Stack<'_>],
) -> Markup {
    let max = rows
        .iter()
        .map(|r| r.values.iter().map(|v| value_of(v)).sum::<f64>())
        .fold(0.0, f64::max);
    let k = scale(max);
    let height = LEGEND_HEIGHT + ROW * rows.len().max(1) as f64 + 8.0;
    let content = html! {
        (legend(series))
        @for (i, row) in rows.iter().enumerate() {
            @let y = LEGEND_HEIGHT + 4.0 + ROW * i as f64;
            text x=(LABEL_WIDTH - 6.0) y=(y + BAR - 4.0) text-anchor="end" class="chart-label" { (row.label) }
            @for (s, (x, w)) in segments(&row.values, k).into_iter().enumerate() {
                rect x=(format!("{x:.1}")) y=(y) width=(format!("{w:.1}")) height=(BAR) fill=(SERIES_FILLS[s % SERIES_FILLS.len()]) {}
            }
        }
    };
    figure(id, title, description, height, content)
}

/// Two bars per row (e.g. delivery against time elapsed), one above the other, one fill per
/// series (the legend names them).
pub fn paired(
    id: &str,
    title: &str,
    description: &str,
    series: [&str; 2],
    rows: &[Stack<'_>],
) -> Markup {
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().map(|v| value_of(v)))
        .fold(0.0, f64::max);
    let k = scale(max);
    let row_h = 2.0 * (BAR / 2.0) + 10.0;
    let height = LEGEND_HEIGHT + row_h * rows.len().max(1) as f64 + 8.0;
    let content = html! {
        (legend(&series))
        @for (i, row) in rows.iter().enumerate() {
            @let y = LEGEND_HEIGHT + 4.0 + row_h * i as f64;
            text x=(LABEL_WIDTH - 6.0) y=(y + BAR - 4.0) text-anchor="end" class="chart-label" { (row.label) }
            @for (s, value) in row.values.iter().take(2).enumerate() {
                rect x=(LABEL_WIDTH) y=(y + (BAR / 2.0) * s as f64) width=(format!("{:.1}", value_of(value) * k)) height=(BAR / 2.0) fill=(SERIES_FILLS[s]) {}
            }
        }
    };
    figure(id, title, description, height, content)
}

/// A line over time (e.g. cumulative deposits by quarter) with dashed levels (targets).
pub fn line(
    id: &str,
    title: &str,
    description: &str,
    points: &[Point<'_>],
    levels: &[Level<'_>],
) -> Markup {
    let height = 260.0;
    let (left, right, top, bottom) = (70.0, 20.0, 16.0, 40.0);
    let max = points
        .iter()
        .map(|p| p.value)
        .chain(levels.iter().map(|l| l.value))
        .fold(0.0, f64::max);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let y_of = |v: f64| {
        if max > 0.0 {
            top + plot_h - v / max * plot_h
        } else {
            top + plot_h
        }
    };
    let step = if points.len() > 1 {
        plot_w / (points.len() - 1) as f64
    } else {
        0.0
    };
    let path: String = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                left + step * i as f64,
                y_of(p.value)
            )
        })
        .collect();
    // Label at most about eight points on the time axis.
    let every = points.len().div_ceil(8).max(1);
    let content = html! {
        line x1=(left) y1=(top + plot_h) x2=(WIDTH - right) y2=(top + plot_h) stroke="#444" {}
        line x1=(left) y1=(top) x2=(left) y2=(top + plot_h) stroke="#444" {}
        @for level in levels {
            @let y = format!("{:.1}", y_of(level.value));
            line x1=(left) y1=(y) x2=(WIDTH - right) y2=(y) stroke="#e0a526" stroke-dasharray="6 4" stroke-width="2" {}
            text x=(WIDTH - right) y=(format!("{:.1}", y_of(level.value) - 4.0)) text-anchor="end" class="chart-label" { (level.label) }
        }
        @if !points.is_empty() {
            path d=(path) fill="none" stroke=(SERIES_FILLS[0]) stroke-width="2.5" {}
        }
        @for (i, point) in points.iter().enumerate() {
            @if i % every == 0 || i + 1 == points.len() {
                @let anchor = if i + 1 == points.len() && i > 0 { "end" } else if i == 0 { "start" } else { "middle" };
                text x=(format!("{:.1}", left + step * i as f64)) y=(height - bottom + 16.0) text-anchor=(anchor) class="chart-label" { (point.label) }
            }
        }
    };
    figure(id, title, description, height, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_its_title_and_role() {
        let svg = bars(
            "x",
            "Money by area",
            "Approved budgets",
            &[Bar {
                label: "Area <1>",
                value: "10.00",
            }],
        )
        .into_string();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"x-t\">Money by area</title>"));
        // Labels are escaped.
        assert!(svg.contains("Area &lt;1&gt;"));
    }

    #[test]
    fn empty_and_zero_charts_draw_without_dividing_by_zero() {
        let svg = line("l", "t", "d", &[], &[]).into_string();
        assert!(!svg.contains("NaN"));
        let svg = stacked(
            "s",
            "t",
            "d",
            &["a"],
            &[Stack {
                label: "x",
                values: vec!["0"],
            }],
        )
        .into_string();
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
