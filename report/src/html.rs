//! The report as one self-contained HTML page (no network: styles inline, charts as inline SVG
//! drawn by plotters), printable on A4, with a CJK font stack so Chinese renders. Every string
//! that comes from a log is escaped. The sections are those of the Markdown, in the same words.

use std::fmt::Write;

use plotters::prelude::*;
use vigil_checks::Severity;

use crate::markdown::{Lang, render as render_md};
use crate::model::Report;

/// `s` escaped for HTML text and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; margin: 2em auto; max-width: 60em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; border-bottom: 2px solid #333; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #aaa; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; width: 100%; }
th, td { border: 1px solid #bbb; padding: .2em .4em; text-align: left; vertical-align: top; }
th { background: #eee; }
.nw { white-space: nowrap; }
code, pre { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; font-size: .9em; }
td code { overflow-wrap: anywhere; }
td.nw code { overflow-wrap: normal; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; }
.chart { margin: .5em 0 1em; }
nav.toc ol { columns: 2; margin: .3em 0 1em; padding-left: 0; list-style: none; }
nav.toc a { color: inherit; text-decoration: none; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  tr, pre, .chart, nav.toc { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"#;

/// The printed page: A4, the report's title and period at the foot of every page, and the page
/// number out of the count.
fn page_css(title: &str) -> String {
    let quoted: String = title
        .chars()
        .filter(|c| !c.is_control() && *c != '<')
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!(
        "@page {{ size: A4; margin: 15mm 14mm 18mm; \
@bottom-left {{ content: \"{quoted}\"; font-size: 8pt; color: #555; }} \
@bottom-right {{ content: counter(page) \" / \" counter(pages); font-size: 8pt; color: #555; }} }}"
    )
}

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// An SVG of `size` on a white ground, drawn by `draw`; empty if drawing fails (the page then
/// shows the table without its chart).
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn,
) -> String {
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Into::into))
    };
    if drawn.is_err() {
        return String::new();
    }
    out
}

/// The charts' common frame: margins and label areas.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(root);
    b.margin(10).x_label_area_size(28).y_label_area_size(44);
    b
}

/// Logins (successes, failures) per day as two lines, as SVG; the legend above the plot, where
/// it covers no line.
fn logins_chart(r: &Report, lang: Lang) -> String {
    let days = &r.logins.per_day;
    if days.is_empty() {
        return String::new();
    }
    let top = days
        .iter()
        .map(|d| d.successes.max(d.failures))
        .max()
        .unwrap_or(1)
        .max(1);
    let (ok_label, fail_label) = match lang {
        Lang::Zh => ("成功", "失败"),
        Lang::En => ("successes", "failures"),
    };
    svg((760, 280), |root| {
        let (legend, plot) = root.split_vertically(26);
        for (i, (label, color)) in [(ok_label, BLUE), (fail_label, RED)].iter().enumerate() {
            let x = 60 + (i as i32) * 120;
            legend.draw(&PathElement::new(
                vec![(x, 13), (x + 24, 13)],
                color.stroke_width(2),
            ))?;
            legend.draw(&Text::new(*label, (x + 30, 6), ("sans-serif", 13)))?;
        }
        let mut chart =
            frame(&plot).build_cartesian_2d(0u32..days.len() as u32, 0u64..top + top / 10 + 1)?;
        chart
            .configure_mesh()
            .x_labels(days.len().min(16))
            .x_label_formatter(&|i| {
                days.get(*i as usize)
                    .map_or(String::new(), |d| d.day.format("%d").to_string())
            })
            .draw()?;
        chart.draw_series(LineSeries::new(
            days.iter()
                .enumerate()
                .map(|(i, d)| (i as u32, d.successes)),
            BLUE.stroke_width(2),
        ))?;
        chart.draw_series(LineSeries::new(
            days.iter().enumerate().map(|(i, d)| (i as u32, d.failures)),
            RED.stroke_width(2),
        ))?;
        Ok(())
    })
}

/// The period's findings by severity: one bar each in its own colour (high red, medium amber,
/// low grey) with its count on it, as SVG. The comparison with the period before is in the
/// table above it.
fn findings_chart(r: &Report, lang: Lang) -> String {
    let count = |s: &str| {
        r.summary
            .findings
            .iter()
            .find(|(name, _)| name == s)
            .map(|(_, c)| c.this)
            .unwrap_or_default()
    };
    let names = [Severity::High, Severity::Medium, Severity::Low].map(|s| match lang {
        Lang::Zh => s.chinese_name(),
        Lang::En => s.as_str(),
    });
    let bars: Vec<(&str, u64, RGBColor)> = vec![
        (names[0], count("high"), RGBColor(190, 30, 45)),
        (names[1], count("medium"), RGBColor(230, 150, 20)),
        (names[2], count("low"), RGBColor(150, 150, 150)),
    ];
    let top = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    svg((760, 220), |root| {
        let mut chart = frame(root)
            .build_cartesian_2d((0u32..3u32).into_segmented(), 0u64..top + top / 6 + 1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names
                    .get(*i as usize)
                    .map_or(String::new(), |s| s.to_string()),
                _ => String::new(),
            })
            .draw()?;
        for (i, (_, n, color)) in bars.iter().enumerate() {
            chart.draw_series(
                Histogram::vertical(&chart)
                    .style(color.filled())
                    .margin(40)
                    .data([(i as u32, *n)]),
            )?;
            chart.draw_series(std::iter::once(Text::new(
                n.to_string(),
                (SegmentValue::CenterOf(i as u32), *n + top / 12 + 1),
                ("sans-serif", 14).into_font().color(&BLACK),
            )))?;
        }
        Ok(())
    })
}

/// The Markdown of the sections, turned into HTML: headings, tables, lists and code blocks, the
/// only constructs the Markdown renderer writes. Its text is already inert (entities for HTML
/// characters); the backslash escapes are undone. Each section heading gets an id (`s1`, ...),
/// returned with its text for the contents; a table's first row is its head, repeated on every
/// printed page; a short cell (a time, a ticket, a verdict) is kept on one line.
fn md_to_html(md: &str) -> (String, Vec<(String, String)>) {
    let mut sections = Vec::new();
    let unescape = |s: &str| {
        s.replace("\\|", "|")
            .replace("\\*", "*")
            .replace("\\[", "[")
            .replace("\\]", "]")
            .replace("\\`", "`")
    };
    let inline = |s: &str| {
        // `code` spans: the renderer writes them around rule ids and queries only.
        let mut out = String::new();
        let mut open = false;
        let mut prev_backslash = false;
        for c in s.chars() {
            if c == '`' && !prev_backslash {
                out.push_str(if open { "</code>" } else { "<code>" });
                open = !open;
            } else {
                out.push(c);
            }
            prev_backslash = c == '\\';
        }
        if open {
            out.push_str("</code>");
        }
        unescape(&out)
    };
    let mut out = String::new();
    let mut in_table = false;
    let mut in_list = false;
    let mut in_pre = false;
    let mut header_row = false;
    for line in md.lines() {
        if line.starts_with("```") {
            if in_pre {
                out.push_str("</pre>\n");
            } else {
                out.push_str("<pre>");
            }
            in_pre = !in_pre;
            continue;
        }
        if in_pre {
            out.push_str(&escape(line));
            out.push('\n');
            continue;
        }
        if in_table && !line.starts_with('|') {
            out.push_str("</tbody></table>\n");
            in_table = false;
        }
        if in_list && !line.starts_with("- ") {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(h) = line.strip_prefix("### ") {
            let _ = writeln!(out, "<h3>{}</h3>", inline(h));
        } else if let Some(h) = line.strip_prefix("## ") {
            let id = format!("s{}", sections.len() + 1);
            let _ = writeln!(out, "<h2 id=\"{id}\">{}</h2>", inline(h));
            sections.push((id, inline(h)));
        } else if let Some(h) = line.strip_prefix("# ") {
            let _ = writeln!(out, "<h1>{}</h1>", inline(h));
        } else if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                out.push_str("<table>\n<thead>");
                in_table = true;
                header_row = true;
            }
            // Split on bars that are not escaped.
            let mut cells = Vec::new();
            let mut cell = String::new();
            let mut chars = line.trim().trim_start_matches('|').chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\\' && chars.peek() == Some(&'|') {
                    cell.push_str("\\|");
                    chars.next();
                } else if c == '|' {
                    cells.push(std::mem::take(&mut cell));
                } else {
                    cell.push(c);
                }
            }
            let tag = if header_row { "th" } else { "td" };
            out.push_str("<tr>");
            for c in cells {
                let c = c.trim();
                // Short cells stay whole: 未经审批, a ticket number, a time; and so does one
                // code span without spaces (a rule, an event id).
                let one_code = c.len() > 2
                    && c.starts_with('`')
                    && c.ends_with('`')
                    && !c[1..c.len() - 1].contains(['`', ' ']);
                let class = if one_code || c.chars().count() <= 20 {
                    " class=\"nw\""
                } else {
                    ""
                };
                let _ = write!(out, "<{tag}{class}>{}</{tag}>", inline(c));
            }
            out.push_str("</tr>\n");
            if header_row {
                out.push_str("</thead><tbody>\n");
            }
            header_row = false;
        } else if let Some(item) = line.strip_prefix("- ") {
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            let _ = writeln!(out, "<li>{}</li>", inline(item));
        } else if !line.trim().is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline(line));
        }
    }
    if in_table {
        out.push_str("</tbody></table>\n");
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    (out, sections)
}

/// The report as one self-contained HTML page in `lang`.
pub fn render(r: &Report, lang: Lang) -> String {
    let (body, sections) = md_to_html(&render_md(r, lang));
    // The charts go after the tables they draw: the findings after the summary's, the logins
    // after the per-day table.
    let findings = format!("<div class=\"chart\">{}</div>\n", findings_chart(r, lang));
    let logins = format!("<div class=\"chart\">{}</div>\n", logins_chart(r, lang));
    let (s2, s6) = match lang {
        Lang::Zh => (
            "<h2 id=\"s2\">二、备份及日志检查</h2>",
            "<h3>登录失败最多的地址</h3>",
        ),
        Lang::En => (
            "<h2 id=\"s2\">2. Backups</h2>",
            "<h3>Top failing addresses</h3>",
        ),
    };
    let body =
        body.replacen(s2, &format!("{findings}{s2}"), 1)
            .replacen(s6, &format!("{logins}{s6}"), 1);
    // The contents, on page 1 after the title.
    let mut toc = format!(
        "<nav class=\"toc\"><b>{}</b><ol>",
        match lang {
            Lang::Zh => "目录",
            Lang::En => "Contents",
        }
    );
    for (id, text) in &sections {
        let _ = write!(toc, "<li><a href=\"#{id}\">{text}</a></li>");
    }
    toc.push_str("</ol></nav>\n");
    let body = match body.find("</h1>\n") {
        Some(at) => format!("{}{toc}{}", &body[..at + 6], &body[at + 6..]),
        None => format!("{toc}{body}"),
    };
    let title = match lang {
        Lang::Zh => format!("数字档案馆系统运行维护报告 {}", r.period),
        Lang::En => format!("Operations report {}", r.period),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        match lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        },
        escape(&title),
        page_css(&title)
    )
}
