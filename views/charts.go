package views

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Charts are drawn here as SVG, inline in the page: no script, no CDN, no style attribute
// (the CSP forbids inline styles; colours come from classes in himoya.css). Each chart is an
// image with a title and a description that carry its numbers for screen readers, each bar
// has a <title> with its number, and the page puts the same numbers in a table beside it.

// ChartSeries is one coloured part of a stacked bar chart.
type ChartSeries struct {
	Label  string
	Class  string // s0 .. s5 in himoya.css
	Counts []int
}

// ChartBar is one bar of a horizontal bar chart.
type ChartBar struct {
	Label string
	Value int
}

const (
	chartW    = 720
	chartTop  = 12
	chartLeft = 48
	chartRest = 12 // right margin
	axisH     = 34 // room for the day labels under the bars
)

// niceMax rounds a chart's maximum up to 1, 2 or 5 times a power of ten, so the grid lines
// fall on round numbers.
func niceMax(v int) int {
	if v <= 5 {
		return 5
	}
	p := 1
	for p*10 < v {
		p *= 10
	}
	for _, m := range []int{1, 2, 5, 10} { // gives 10, 20, 50, 100, 200...: a fifth is whole
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// svgOpen starts an accessible SVG image with its title and description.
func svgOpen(b *strings.Builder, id string, w, h int, title, desc string) {
	fmt.Fprintf(b, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
		id, id, id, w, h)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// StackedBars draws one bar per day, stacked by series, with a horizontal grid.
func StackedBars(id, title, desc string, days []string, series []ChartSeries, totals []int) template.HTML {
	const plotH = 220
	h := chartTop + plotH + axisH
	var b strings.Builder
	svgOpen(&b, id, chartW, h, title, desc)
	top := 0
	for _, t := range totals {
		top = max(top, t)
	}
	top = niceMax(top)
	plotW := chartW - chartLeft - chartRest
	y := func(v int) float64 {
		return float64(chartTop) + float64(plotH) - float64(v)*float64(plotH)/float64(top)
	}
	b.WriteString(`<g class="grid" aria-hidden="true">`)
	for i := 0; i <= 5; i++ { // niceMax is 5, 10, 20 or 50 times a power of ten: fifths are whole
		v := top * i / 5
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text x="%d" y="%.1f" text-anchor="end">%d</text>`,
			chartLeft, chartW-chartRest, y(v), y(v), chartLeft-6, y(v)+4, v)
	}
	b.WriteString(`</g>`)
	if len(days) == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	bw := float64(plotW) / float64(len(days))
	for i, day := range days {
		x := float64(chartLeft) + float64(i)*bw
		base := 0
		fmt.Fprintf(&b, `<g class="bar" data-day="%s">`, esc(day))
		for _, s := range series {
			n := s.Counts[i]
			if n == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" data-n="%d"><title>%s, %s: %d</title></rect>`,
				s.Class, x+0.5, y(base+n), max(bw-1, 1), y(base)-y(base+n), n, esc(day), esc(s.Label), n)
			base += n
		}
		b.WriteString(`</g>`)
		if i%7 == (len(days)-1)%7 { // label every 7th day, ending with the last
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle" aria-hidden="true">%s</text>`,
				x+bw/2, chartTop+plotH+16, esc(shortDay(day)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// shortDay writes 2024-03-23 as 23.03.
func shortDay(day string) string {
	if len(day) != 10 {
		return day
	}
	return day[8:10] + "." + day[5:7]
}

// HorizontalBars draws one labelled bar per row, its number at its end.
func HorizontalBars(id, title, desc string, rows []ChartBar) template.HTML {
	const rowH, labelW, numW = 26, 230, 60
	h := chartTop*2 + rowH*max(len(rows), 1)
	var b strings.Builder
	svgOpen(&b, id, chartW, h, title, desc)
	top := 0
	for _, r := range rows {
		top = max(top, r.Value)
	}
	plotW := float64(chartW - labelW - numW)
	for i, r := range rows {
		y := chartTop + i*rowH
		w := 0.0
		if top > 0 {
			w = float64(r.Value) * plotW / float64(top)
		}
		fmt.Fprintf(&b, `<g class="hbar"><text class="label" x="%d" y="%d" text-anchor="end">%s</text>`,
			labelW-8, y+rowH/2+5, esc(clip(r.Label, 34)))
		fmt.Fprintf(&b, `<rect class="s%d" x="%d" y="%d" width="%.1f" height="%d" data-n="%d"><title>%s: %d</title></rect>`,
			i%2, labelW, y+4, w, rowH-8, r.Value, esc(r.Label), r.Value)
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%d">%d</text></g>`, float64(labelW)+w+6, y+rowH/2+5, r.Value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// clip shortens a label to n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// SumDesc lists rows as "label n" for a chart's description.
func SumDesc(rows []ChartBar) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = r.Label + " " + strconv.Itoa(r.Value)
	}
	return strings.Join(parts, "; ")
}
