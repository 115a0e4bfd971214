//! Charts as SVG, drawn on the server by plotters (no font files needed: the
//! SVG backend leaves text to the browser). Pages embed the SVG inline, so
//! charts work without JavaScript and print well.

use plotters::prelude::*;

const INK: RGBColor = RGBColor(0x1d, 0x23, 0x27);
const MUTED: RGBColor = RGBColor(0x5d, 0x67, 0x6d);
const GRID: RGBColor = RGBColor(0xe3, 0xdd, 0xd2);
pub const BRAND: RGBColor = RGBColor(0x1f, 0x5f, 0x5b);
pub const ACCENT: RGBColor = RGBColor(0xc9, 0x73, 0x3d);
pub const SOFT: RGBColor = RGBColor(0x8f, 0xb8, 0xb2);
pub const PALE: RGBColor = RGBColor(0xd8, 0xcf, 0xc0);

/// Adds an accessible name to the SVG plotters wrote.
fn labelled(svg: String, label: &str) -> String {
    let escaped = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{escaped}\" class=\"chart\" "),
        1,
    )
}

fn nice_max(max: f64) -> f64 {
    if max <= 0.0 { 1.0 } else { max * 1.15 }
}

/// Counts over time as a filled line, e.g. contributions per week.
pub fn area(label: &str, x_labels: &[String], values: &[f64], width: u32, height: u32) -> String {
    let mut svg = String::new();
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let n = values.len().max(2);
        let max = nice_max(values.iter().copied().fold(0.0, f64::max));
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_right(40)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..(n - 1) as f64, 0f64..max)?;
        chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .label_style(("sans-serif", 12).into_font().color(&MUTED))
            .x_labels(6)
            .x_label_formatter(&|x| {
                x_labels
                    .get(x.round() as usize)
                    .cloned()
                    .unwrap_or_default()
            })
            .y_labels(5)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        chart.draw_series(AreaSeries::new(
            values.iter().enumerate().map(|(i, v)| (i as f64, *v)),
            0.0,
            BRAND.mix(0.18),
        ))?;
        chart.draw_series(LineSeries::new(
            values.iter().enumerate().map(|(i, v)| (i as f64, *v)),
            BRAND.stroke_width(2),
        ))?;
        root.present()?;
        Ok(())
    })();
    if result.is_err() {
        return String::new();
    }
    labelled(svg, label)
}

/// Horizontal bars, one per labelled value, e.g. a participation pyramid.
pub fn hbars(label: &str, bars: &[(String, f64, RGBColor)], width: u32) -> String {
    let mut svg = String::new();
    let height = 34 + 32 * bars.len().max(1) as u32;
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let max = nice_max(bars.iter().map(|b| b.1).fold(0.0, f64::max));
        let n = bars.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(22)
            .y_label_area_size(190)
            .build_cartesian_2d(0f64..max, (0..n as i32).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .label_style(("sans-serif", 14).into_font().color(&INK))
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                // Bars are listed top to bottom; the axis counts upwards.
                SegmentValue::CenterOf(i) => usize::try_from(n as i32 - 1 - *i)
                    .ok()
                    .and_then(|k| bars.get(k))
                    .map(|b| b.0.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_labels(5)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()?;
        chart.draw_series(bars.iter().enumerate().flat_map(|(i, (_, v, color))| {
            let row = (n - 1 - i) as i32;
            let band = [
                (0.0, SegmentValue::Exact(row)),
                (*v, SegmentValue::Exact(row + 1)),
            ];
            // A white outline separates neighbouring bands.
            [
                Rectangle::new(band.clone(), color.filled()),
                Rectangle::new(band, WHITE.stroke_width(6)),
            ]
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, v, _))| {
            let row = (n - 1 - i) as i32;
            Text::new(
                format!("{v:.0}"),
                (*v + max * 0.01, SegmentValue::CenterOf(row)),
                ("sans-serif", 12).into_font().color(&INK),
            )
        }))?;
        root.present()?;
        Ok(())
    })();
    if result.is_err() {
        return String::new();
    }
    labelled(svg, label)
}

/// Vertical bars stacked by series, one column per label (e.g. levels per
/// month). `series` is (name, colour, one value per label).
pub fn stacked(
    label: &str,
    x_labels: &[String],
    series: &[(&str, RGBColor, Vec<f64>)],
    width: u32,
    height: u32,
) -> String {
    let mut svg = String::new();
    let result = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let n = x_labels.len().max(1);
        let totals: Vec<f64> = (0..n)
            .map(|i| {
                series
                    .iter()
                    .map(|s| s.2.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d((0..n as i32).into_segmented(), 0f64..max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.4))
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .label_style(("sans-serif", 12).into_font().color(&MUTED))
            .x_labels(n)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => usize::try_from(*i)
                    .ok()
                    .and_then(|k| x_labels.get(k))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .y_labels(5)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        let mut base = vec![0.0; n];
        for (name, color, values) in series {
            let rects: Vec<_> = (0..n)
                .flat_map(|i| {
                    let v = values.get(i).copied().unwrap_or(0.0);
                    let band = [
                        (SegmentValue::Exact(i as i32), base[i]),
                        (SegmentValue::Exact(i as i32 + 1), base[i] + v),
                    ];
                    base[i] += v;
                    [
                        Rectangle::new(band.clone(), color.filled()),
                        Rectangle::new(band, WHITE.stroke_width(4)),
                    ]
                })
                .collect();
            chart
                .draw_series(rects)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font(("sans-serif", 12).into_font().color(&INK))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    if result.is_err() {
        return String::new();
    }
    labelled(svg, label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_an_accessible_name() {
        let labels: Vec<String> = (0..10).map(|i| format!("w{i}")).collect();
        let values: Vec<f64> = (0..10).map(f64::from).collect();
        let svg = area("Contributions per week", &labels, &values, 600, 200);
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Contributions per week\""));
        assert!(svg.contains("<polyline") || svg.contains("<path") || svg.contains("<polygon"));
        let bars = hbars(
            "Levels",
            &[("Core".into(), 3.0, BRAND), ("Active".into(), 7.0, SOFT)],
            400,
        );
        assert!(bars.contains("Core") && bars.contains("<rect"));
        let st = stacked(
            "Levels over time",
            &labels,
            &[("core", BRAND, values.clone())],
            600,
            240,
        );
        assert!(st.contains("core"));
        // Empty data still draws an empty chart rather than failing.
        assert!(area("Nothing", &[], &[], 300, 100).contains("<svg"));
    }
}
