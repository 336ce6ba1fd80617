import Foundation

/// A small SVG chart renderer: panels of lines and scatter points on linear or log axes, laid out in
/// a grid under one shared legend. Hand-written because the report must be self-contained SVG from
/// a command-line tool, with no plotting stack to install. Every series is a
/// `<g class="series" data-series="NAME">` and every panel a `<g class="panel" data-panel="TITLE">`,
/// so tests (and users' scripts) can find them.
public struct PlotPoint: Sendable, Equatable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

public struct Axis: Sendable {
    public enum Scale: Sendable { case linear, log
        /// Log when every value is positive and they span at least `autoLogRatio`, else linear.
        case auto
    }
    public static let autoLogRatio = 30.0
    public var label: String
    public var scale: Scale
    /// Fixed tick positions (e.g. the dataset sizes); nil: chosen from the data.
    public var ticks: [Double]?
    /// Values below this are drawn on it as open downward triangles, so that a few very bad trials
    /// (R² of −20 from an untrained model) do not squeeze the rest into a line.
    public var floor: Double?
    public init(_ label: String, scale: Scale = .linear, ticks: [Double]? = nil, floor: Double? = nil) {
        self.label = label; self.scale = scale; self.ticks = ticks; self.floor = floor
    }
}

public enum Marker: String, Sendable { case circle, square, triangle, diamond, none }

public struct Series: Sendable {
    public var name: String
    /// Drawn in this order; a NaN coordinate breaks the line there.
    public var points: [PlotPoint]
    public var color: String
    /// 0: points only (a scatter series).
    public var lineWidth: Double
    public var dash: String?
    public var marker: Marker
    public var markerSize: Double
    public var opacity: Double
    public var inLegend: Bool
    /// Points drawn with a ring around them (the selected model).
    public var ringed: [PlotPoint]
    public init(_ name: String, _ points: [PlotPoint], color: String, lineWidth: Double = 2, dash: String? = nil,
                marker: Marker = .circle, markerSize: Double = 3.5, opacity: Double = 1, inLegend: Bool = true,
                ringed: [PlotPoint] = []) {
        self.name = name; self.points = points; self.color = color; self.lineWidth = lineWidth; self.dash = dash
        self.marker = marker; self.markerSize = markerSize; self.opacity = opacity; self.inLegend = inLegend
        self.ringed = ringed
    }
}

public struct LegendEntry: Sendable, Equatable {
    public var name: String, color: String, lineWidth: Double, dash: String?, marker: Marker, ring: Bool
    public init(_ name: String, color: String, lineWidth: Double = 2, dash: String? = nil, marker: Marker = .none,
                ring: Bool = false) {
        self.name = name; self.color = color; self.lineWidth = lineWidth; self.dash = dash; self.marker = marker; self.ring = ring
    }
}

public struct Panel: Sendable {
    public var title: String
    public var x: Axis, y: Axis
    public var series: [Series]
    public init(_ title: String, x: Axis, y: Axis, series: [Series]) {
        self.title = title; self.x = x; self.y = y; self.series = series
    }
}

public struct Figure: Sendable {
    /// File stem of the SVG and the HTML anchor.
    public var id: String
    public var title: String
    /// A few words for the page's list of figures.
    public var shortTitle: String
    public var panels: [Panel]
    public var columns: Int
    public var panelWidth: Double, panelHeight: Double
    /// Entries besides the series' own (e.g. "ringed: the selected model").
    public var extraLegend: [LegendEntry]
    public var caption: String
    public init(id: String, title: String, shortTitle: String, panels: [Panel], columns: Int = 3, panelWidth: Double = 400,
                panelHeight: Double = 290, extraLegend: [LegendEntry] = [], caption: String = "") {
        self.id = id; self.title = title; self.shortTitle = shortTitle; self.panels = panels; self.columns = max(1, min(columns, panels.count))
        self.panelWidth = panelWidth; self.panelHeight = panelHeight; self.extraLegend = extraLegend; self.caption = caption
    }

    public var legend: [LegendEntry] {
        var out: [LegendEntry] = []
        for p in panels {
            for s in p.series where s.inLegend && !out.contains(where: { $0.name == s.name }) {
                out.append(LegendEntry(s.name, color: s.color, lineWidth: s.lineWidth, dash: s.dash, marker: s.marker))
            }
        }
        return out + extraLegend
    }

    public func svg() -> String { SVGRenderer(self).render() }
}

/// Escapes text for XML content and attribute values.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}

/// Maps data to pixels along one axis and chooses its ticks.
struct Scale {
    let log: Bool
    let lo: Double, hi: Double       // data domain (log10 of it when log)
    let floor: Double?
    let p0: Double, p1: Double       // pixels for lo and hi
    let ticks: [Double]              // data values
    /// The spacing of automatic linear ticks (for their labels' decimals); nil otherwise.
    let step: Double?

    init(axis: Axis, values: [Double], pixels: (Double, Double)) {
        var finite = values.filter(\.isFinite)
        if let fl = axis.floor, finite.contains(where: { $0 < fl }) { finite = finite.filter { $0 >= fl } + [fl] }
        floor = axis.floor
        let positive = finite.filter { $0 > 0 }
        let isLog: Bool
        switch axis.scale {
        case .linear: isLog = false
        case .log: isLog = true
        case .auto:
            isLog = !finite.isEmpty && positive.count == finite.count
                && (positive.max()! / positive.min()!) >= Axis.autoLogRatio
        }
        var data = (isLog ? positive : finite) + (axis.ticks ?? []).filter { !isLog || $0 > 0 }
        if data.isEmpty { data = isLog ? [1, 10] : [0, 1] }
        var a = data.min()!, b = data.max()!
        if isLog { a = Foundation.log10(a); b = Foundation.log10(b) }
        if a == b {
            let d = isLog ? 0.5 : (a == 0 ? 1 : abs(a) * 0.1)
            a -= d; b += d
        }
        let pad = (b - a) * 0.06
        log = isLog
        lo = a - pad; hi = b + pad
        p0 = pixels.0; p1 = pixels.1
        if let t = axis.ticks {
            ticks = t.filter { !isLog || $0 > 0 }
            step = nil
        } else if isLog {
            ticks = Scale.logTicks(a - pad, b + pad)
            step = nil
        } else {
            step = Scale.niceStep(b - a + 2 * pad)
            ticks = Scale.linearTicks(a - pad, b + pad)
        }
    }

    func px(_ v: Double) -> Double? {
        guard v.isFinite, !log || v > 0 else { return nil }
        if let fl = floor, v < fl { return px(fl) }
        let t = log ? Foundation.log10(v) : v
        return p0 + (t - lo) / (hi - lo) * (p1 - p0)
    }

    /// The smallest 1-2-5 step that gives at most `target` + 2 intervals, so an axis gets 4 to 7
    /// labelled ticks.
    static func niceStep(_ span: Double, target: Double = 5) -> Double {
        let raw = span / target
        let mag = pow(10, Foundation.floor(log10(raw)))
        for m in [0.5, 1.0, 2, 5, 10] where span / (m * mag) <= target + 2 { return m * mag }
        return 10 * mag
    }

    static func linearTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let step = niceStep(hi - lo)
        var out: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// Decades when the axis spans two or more, else 1-2-5 steps inside the one decade.
    static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        let d0 = Int(lo.rounded(.up)), d1 = Int(hi.rounded(.down))
        if d1 - d0 >= 1 {
            let every = max(1, (d1 - d0 + 1) / 7 + ((d1 - d0 + 1) % 7 == 0 ? 0 : 1))
            return stride(from: d0, through: d1, by: every).map { pow(10, Double($0)) }
        }
        var out: [Double] = []
        for d in Int(lo.rounded(.down))...Int(hi.rounded(.up)) {
            for m in [1.0, 2, 5] {
                let v = m * pow(10, Double(d))
                if log10(v) >= lo && log10(v) <= hi { out.append(v) }
            }
        }
        return out
    }
}

/// Tick labels: for a linear axis as many decimals as its step needs (0.5395, 0.54, 0.5405 are
/// never rounded into each other), else plain numbers in [0.001, 1e5) and "2e-5" outside.
func tickLabel(_ v: Double, step: Double? = nil) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if let step, step > 0, a >= 1e-3, a < 1e5 {
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", v)
    }
    if a >= 1e-3 && a < 1e5 {
        var s = String(format: "%.4f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
    var s = String(format: "%.3g", v)
    s = s.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
        .replacingOccurrences(of: "e+", with: "e")
    return s
}

/// Width of `s` in pixels at `size`, for layout only (DejaVu Sans averages about 0.6 em).
func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.6 }

private func f(_ v: Double) -> String { String(format: "%.1f", v) }

struct SVGRenderer {
    let fig: Figure
    let margin = (left: 66.0, right: 18.0, top: 30.0, bottom: 50.0)
    init(_ f: Figure) { fig = f }

    func legendRows(width: Double) -> [[(LegendEntry, Double)]] {
        var rows: [[(LegendEntry, Double)]] = [[]]
        var x = 0.0
        for e in fig.legend {
            let w = 34 + textWidth(e.name, size: 12) + 18
            if x + w > width - 20 && !rows[rows.count - 1].isEmpty { rows.append([]); x = 0 }
            rows[rows.count - 1].append((e, x))
            x += w
        }
        return rows.filter { !$0.isEmpty }
    }

    func render() -> String {
        let cols = fig.columns, rowsN = (fig.panels.count + cols - 1) / max(cols, 1)
        let width = max(Double(cols) * fig.panelWidth, 480)
        let legend = legendRows(width: width)
        let titleH = 34.0, legendH = Double(legend.count) * 20 + (legend.isEmpty ? 0 : 8)
        let height = titleH + legendH + Double(max(rowsN, 1)) * fig.panelHeight + 6
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" \
            font-size="12" role="img" aria-label="\(xmlEscape(fig.title))" data-figure="\(xmlEscape(fig.id))">
            <title>\(xmlEscape(fig.title))</title>
            <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="#ffffff"/>
            <text x="12" y="22" font-size="15" font-weight="bold" fill="#222">\(xmlEscape(fig.title))</text>

            """
        s += "<g class=\"legend\">\n"
        for (i, row) in legend.enumerated() {
            let y = titleH + Double(i) * 20 + 8
            for (e, x0) in row {
                let x = 14 + x0
                s += "<g class=\"legend-entry\" data-series=\"\(xmlEscape(e.name))\">"
                if e.lineWidth > 0 {
                    s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 28))\" y2=\"\(f(y))\" stroke=\"\(e.color)\" "
                        + "stroke-width=\"\(f(e.lineWidth))\"\(dashAttr(e.dash))/>"
                }
                s += marker(e.marker, x + 14, y, 4, e.color, opacity: 1)
                if e.ring {
                    s += "<circle cx=\"\(f(x + 14))\" cy=\"\(f(y))\" r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\"/>"
                }
                s += "<text x=\"\(f(x + 34))\" y=\"\(f(y + 4))\" fill=\"#222\">\(xmlEscape(e.name))</text></g>\n"
            }
        }
        s += "</g>\n"
        for (i, p) in fig.panels.enumerated() {
            let ox = Double(i % cols) * fig.panelWidth, oy = titleH + legendH + Double(i / cols) * fig.panelHeight
            s += panel(p, ox, oy)
        }
        s += "</svg>\n"
        return s
    }

    func dashAttr(_ d: String?) -> String { d.map { " stroke-dasharray=\"\($0)\"" } ?? "" }

    func marker(_ m: Marker, _ x: Double, _ y: Double, _ r: Double, _ color: String, opacity: Double) -> String {
        let op = opacity < 1 ? " fill-opacity=\"\(f(opacity))\"" : ""
        switch m {
        case .none: return ""
        case .circle:
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(color)\"\(op)/>"
        case .square:
            return "<rect x=\"\(f(x - r))\" y=\"\(f(y - r))\" width=\"\(f(2 * r))\" height=\"\(f(2 * r))\" fill=\"\(color)\"\(op)/>"
        case .triangle:
            let h = r * 1.2
            return "<path d=\"M\(f(x)),\(f(y - h))L\(f(x + h)),\(f(y + h * 0.8))L\(f(x - h)),\(f(y + h * 0.8))Z\" fill=\"\(color)\"\(op)/>"
        case .diamond:
            let h = r * 1.3
            return "<path d=\"M\(f(x)),\(f(y - h))L\(f(x + h)),\(f(y))L\(f(x)),\(f(y + h))L\(f(x - h)),\(f(y))Z\" fill=\"\(color)\"\(op)/>"
        }
    }

    func panel(_ p: Panel, _ ox: Double, _ oy: Double) -> String {
        let l = ox + margin.left, r = ox + fig.panelWidth - margin.right
        let t = oy + margin.top, b = oy + fig.panelHeight - margin.bottom
        let xs = p.series.flatMap { $0.points.map(\.x) }, ys = p.series.flatMap { $0.points.map(\.y) }
        let sx = Scale(axis: p.x, values: xs, pixels: (l, r)), sy = Scale(axis: p.y, values: ys, pixels: (b, t))
        var s = "<g class=\"panel\" data-panel=\"\(xmlEscape(p.title))\">\n"
        s += "<text x=\"\(f((l + r) / 2))\" y=\"\(f(oy + 18))\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"#333\">\(xmlEscape(p.title))</text>\n"
        // Grid and ticks.
        for v in sx.ticks {
            guard let x = sx.px(v), x >= l - 0.5, x <= r + 0.5 else { continue }
            s += "<line x1=\"\(f(x))\" y1=\"\(f(t))\" x2=\"\(f(x))\" y2=\"\(f(b))\" stroke=\"#e4e4e4\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(b + 16))\" text-anchor=\"middle\" fill=\"#444\" font-size=\"11\">\(tickLabel(v, step: sx.step))</text>\n"
        }
        for v in sy.ticks {
            guard let y = sy.px(v), y >= t - 0.5, y <= b + 0.5 else { continue }
            s += "<line x1=\"\(f(l))\" y1=\"\(f(y))\" x2=\"\(f(r))\" y2=\"\(f(y))\" stroke=\"#e4e4e4\"/>"
            s += "<text x=\"\(f(l - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\" fill=\"#444\" font-size=\"11\">\(tickLabel(v, step: sy.step))</text>\n"
        }
        s += "<rect x=\"\(f(l))\" y=\"\(f(t))\" width=\"\(f(r - l))\" height=\"\(f(b - t))\" fill=\"none\" stroke=\"#888\"/>\n"
        let xl = p.x.label + (sx.log ? " (log scale)" : ""), yl = p.y.label + (sy.log ? " (log scale)" : "")
        // A label longer than its axis shrinks rather than running out of the panel.
        func fit(_ text: String, _ room: Double) -> String { f(min(12, max(8, room / (Double(text.count) * 0.6)))) }
        s += "<text class=\"xlabel\" x=\"\(f((l + r) / 2))\" y=\"\(f(b + 36))\" text-anchor=\"middle\" fill=\"#222\" "
            + "font-size=\"\(fit(xl, r - l + margin.left))\">\(xmlEscape(xl))</text>\n"
        let ly = (t + b) / 2, lx = ox + 16
        s += "<text class=\"ylabel\" x=\"\(f(lx))\" y=\"\(f(ly))\" text-anchor=\"middle\" fill=\"#222\" font-size=\"\(fit(yl, b - t + 20))\" "
            + "transform=\"rotate(-90 \(f(lx)) \(f(ly)))\">\(xmlEscape(yl))</text>\n"
        if p.series.allSatisfy({ $0.points.allSatisfy { sx.px($0.x) == nil || sy.px($0.y) == nil } }) {
            s += "<text x=\"\(f((l + r) / 2))\" y=\"\(f((t + b) / 2))\" text-anchor=\"middle\" fill=\"#999\">no data yet</text>\n"
        }
        for se in p.series {
            s += "<g class=\"series\" data-series=\"\(xmlEscape(se.name))\">"
            if se.lineWidth > 0 {
                var d = "", pen = false
                for q in se.points {
                    guard let x = sx.px(q.x), let y = sy.px(q.y) else { pen = false; continue }
                    d += (pen ? "L" : "M") + "\(f(x)),\(f(y))"
                    pen = true
                }
                if !d.isEmpty {
                    s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"\(f(se.lineWidth))\" "
                        + "stroke-linejoin=\"round\"\(dashAttr(se.dash))\(se.opacity < 1 ? " stroke-opacity=\"\(f(se.opacity))\"" : "")/>"
                }
            }
            for q in se.points {
                guard let x = sx.px(q.x), let y = sy.px(q.y) else { continue }
                if let fl = sy.floor, q.y < fl {
                    let h = se.markerSize * 1.3
                    s += "<path class=\"clipped\" d=\"M\(f(x - h)),\(f(y - h))L\(f(x + h)),\(f(y - h))L\(f(x)),\(f(y + h * 0.6))Z\" "
                        + "fill=\"none\" stroke=\"\(se.color)\" stroke-width=\"1.3\"/>"
                } else {
                    s += marker(se.marker, x, y, se.markerSize, se.color, opacity: se.opacity)
                }
            }
            for q in se.ringed {
                guard let x = sx.px(q.x), let y = sy.px(q.y) else { continue }
                s += "<circle class=\"ring\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(se.markerSize + 4))\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\"/>"
            }
            s += "</g>\n"
        }
        s += "</g>\n"
        return s
    }
}
