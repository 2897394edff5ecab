import CotangentArrays
import CotangentEngine
import CotangentGraph

/// How ``vizHTML(before:after:profile:title:layout:)`` lays graphs out.
public enum VizLayout: String, Sendable, CaseIterable {
    /// Graphviz's `dot` when it is installed (looked up on the PATH at run time), otherwise
    /// the built-in layered layout.
    case automatic
    /// Graphviz's `dot`; an error if it is not installed.
    case graphviz
    /// The built-in layered layout (``LayeredLayout``), whatever is installed.
    case layered
}

/// Why a page could not be made.
public struct VizError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
}

/// One self-contained HTML page showing a graph before and after rewriting side by side.
///
/// The page needs no network: its styles and script are inline. Each graph can be panned
/// (drag) and zoomed (wheel, or the fit button); hovering a node shows its op, props, output
/// types and shapes (and its time per call when profiled) in the side panel; boxes are coloured
/// by op family; inner graphs (loop bodies, branches, Blockwise cores, fused elementwise
/// graphs) are drawn as framed clusters. Opened with `#selftest` after its address, the page
/// checks that every node is drawn and that hovering shows its details, and writes the result
/// as JSON into a `<pre id="selftest-result">`.
///
/// - Parameters:
///   - before: the outputs as built.
///   - after: the same outputs after rewriting (a compiled function's `CompiledFunction/outputs`).
///   - profile: per-node times of the compiled function whose outputs are `after`.
///   - title: the page's title.
///   - layout: who places the boxes.
/// - Throws: ``VizError`` when `layout` is `.graphviz` and Graphviz is not installed or fails.
public func vizHTML(
    before: [Variable], after: [Variable], profile: FunctionProfile? = nil, title: String = "Cotangent graph",
    layout: VizLayout = .automatic
) throws -> String {
    let pictures = [("before", GraphPicture(outputs: before)), ("after", GraphPicture(outputs: after, profile: profile))]
    let dot = layout == .layered ? nil : GraphPicture.graphvizPath()
    if layout == .graphviz, dot == nil {
        throw VizError(description: "vizHTML: Graphviz's dot is not on the PATH (install graphviz, or use layout .layered)")
    }
    var svgs: [String] = []
    var usedGraphviz = dot != nil
    for (name, picture) in pictures {
        if let dot {
            guard let svg = picture.graphvizSVG(idPrefix: name + "-", dot: dot) else {
                if layout == .graphviz { throw VizError(description: "vizHTML: Graphviz's dot failed on the \(name) graph") }
                usedGraphviz = false
                break
            }
            svgs.append(svg)
        }
    }
    if !usedGraphviz { svgs = pictures.map { $0.1.layeredSVG(idPrefix: $0.0) } }
    return VizPage(
        title: title, pictures: pictures.map(\.1), svgs: svgs,
        layoutName: usedGraphviz ? "Graphviz dot" : "built-in layered layout", profile: profile
    ).html()
}

/// The page of ``vizHTML(before:after:profile:title:layout:)`` for a graph compiled here: the
/// graph of `outputs` before rewriting and the graph the compiled function runs after.
///
/// - Parameters:
///   - inputs: the graph's inputs, in the order of `arguments`.
///   - outputs: the graph's outputs.
///   - mode: the rewrites applied (`CompileMode/fastRun` by default).
///   - arguments: when given, the compiled function is called `calls` times on them and each
///     node of the rewritten graph shows its time per call.
///   - calls: how many profiled calls the times are averaged over.
///   - title: the page's title.
///   - layout: how the graphs are laid out (Graphviz when installed, by default).
/// - Throws: `CotangentError` when the graph does not compile or a profiled call fails;
///   ``VizError`` as the other form.
public func vizHTML(
    inputs: [Variable], outputs: [Variable], mode: CompileMode = .fastRun, profiling arguments: [NDArray]? = nil,
    calls: Int = 10, title: String = "Cotangent graph", layout: VizLayout = .automatic
) throws -> String {
    let compiled = try function(inputs: inputs, outputs: outputs, mode: mode, onUnusedInput: .ignore)
    let profile = try arguments.map { try compiled.profile($0, calls: calls) }
    return try vizHTML(before: outputs, after: compiled.outputs, profile: profile, title: title, layout: layout)
}

/// The page's text: markup, styles, data and script.
struct VizPage {
    let title: String
    let pictures: [GraphPicture]
    let svgs: [String]
    let layoutName: String
    let profile: FunctionProfile?

    static let panels = ["before", "after"]

    func html() -> String {
        let escape = GraphPicture.xmlEscaped
        var summary = "\(pictures[0].nodes.count) boxes before rewriting, \(pictures[1].nodes.count) after; laid out by \(layoutName)"
        if let profile {
            let total = pictures[1].nodes.compactMap(\.microseconds).reduce(0, +)
            summary += "; profiled over \(profile.calls) calls: \(GraphPicture.formatTime(total)) per call in kernels"
        }
        let legend = GraphPicture.Family.allCases.filter { $0 != .variable }.map { family in
            "<span class=\"swatch\" style=\"background:\(GraphPicture.familyColour(family))\"></span>\(family.rawValue)"
        }.joined(separator: " ")
            + " <span class=\"swatch\" style=\"background:#d1fae5;border-radius:50%\"></span>input"
            + " <span class=\"swatch\" style=\"background:#bfdbfe;border-radius:50%\"></span>output"
            + " <span class=\"swatch\" style=\"background:#f3f4f6\"></span>constant"
        let panels = zip(Self.panels, svgs).map { name, svg in
            """
            <section class="panel">
            <header><b>\(name == "before" ? "Before rewriting" : "After rewriting")</b>
            <button type="button" data-fit="\(name)">fit</button></header>
            <div class="view" id="\(name)-view">\(svg)</div>
            </section>
            """
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(escape(title))</title>
            <script>window.vizErrors = []; window.addEventListener("error", function (e) { window.vizErrors.push(String(e.message)); });</script>
            <style>\(Self.style)</style>
            </head>
            <body>
            <h1>\(escape(title))</h1>
            <p class="summary">\(escape(summary))</p>
            <p class="legend">\(legend)
            <label><input type="checkbox" id="edge-labels" checked> types on arrows</label></p>
            <main>
            \(panels)
            <aside id="details"><p class="hint">Hover a node to see its op, props, types and shapes.
            Drag to pan, wheel to zoom.</p></aside>
            </main>
            <script type="application/json" id="viz-data">\(dataJSON())</script>
            <script>\(Self.script)</script>
            <script>\(Self.selfTest)</script>
            </body>
            </html>

            """
    }

    /// `{"before": {"nodes": [...], "clusters": [...]}, "after": ...}` for the script.
    func dataJSON() -> String {
        let q = Self.jsonString
        let graphs = zip(Self.panels, pictures).map { name, picture in
            let nodes = picture.nodes.map { node in
                let details = node.details.map { "[\(q($0.key)),\(q($0.value))]" }.joined(separator: ",")
                var fields = [
                    "\"id\":\(q(node.id))", "\"kind\":\(q(node.kind.rawValue))", "\"family\":\(q(node.family.rawValue))",
                    "\"label\":\(q(node.label))", "\"details\":[\(details)]",
                ]
                if let cluster = node.cluster { fields.append("\"cluster\":\(q(picture.clusters[cluster].label))") }
                return "{" + fields.joined(separator: ",") + "}"
            }
            return "\(q(name)):{\"nodes\":[\(nodes.joined(separator: ",\n"))]}"
        }
        return "{" + graphs.joined(separator: ",\n") + "}"
    }

    /// `text` as a JSON string that is also safe inside a `<script>` element.
    static func jsonString(_ text: String) -> String { jsonQuoted(text, forScript: true) }

    static let style = """
        body { font: 13px system-ui, sans-serif; margin: 0; padding: 8px 12px; color: #1f2937; }
        h1 { font-size: 17px; margin: 4px 0; }
        .summary, .legend { margin: 4px 0; color: #4b5563; }
        .swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #9ca3af; vertical-align: middle; margin: 0 3px 0 8px; }
        main { display: flex; gap: 8px; height: calc(100vh - 110px); min-height: 400px; }
        .panel { flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; border: 1px solid #d1d5db; border-radius: 6px; }
        .panel header { padding: 4px 8px; background: #f9fafb; border-bottom: 1px solid #d1d5db; display: flex; justify-content: space-between; }
        .view { flex: 1; overflow: hidden; position: relative; cursor: grab; background: #fff; }
        .view.dragging { cursor: grabbing; }
        .view > svg { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
        aside { flex: 0 0 280px; overflow: auto; border: 1px solid #d1d5db; border-radius: 6px; padding: 8px; background: #f9fafb; }
        aside table { border-collapse: collapse; width: 100%; }
        aside td { border-top: 1px solid #e5e7eb; padding: 3px 4px; vertical-align: top; word-break: break-all; font-family: ui-monospace, monospace; font-size: 12px; }
        aside td:first-child { color: #6b7280; white-space: nowrap; word-break: normal; font-family: system-ui, sans-serif; }
        .hint { color: #6b7280; }
        svg.layered text { font: 11px ui-monospace, monospace; fill: #111827; }
        svg.layered .node rect, svg.layered .node ellipse { stroke: #4b5563; stroke-width: 0.8; }
        svg.layered .node rect.timed { stroke: #dc2626; }
        svg.layered .edge path { fill: none; stroke: #6b7280; stroke-width: 1; }
        svg.layered .edge text { font-size: 9px; fill: #6b7280; }
        svg.layered marker path { fill: #6b7280; }
        svg.layered .cluster rect { fill: #faf5ff; stroke: #7c3aed; stroke-dasharray: 5 3; }
        svg.layered .cluster text { fill: #5b21b6; }
        svg.layered .owner-link { fill: none; stroke: #7c3aed; stroke-dasharray: 2 3; }
        .node { cursor: pointer; }
        .node.hovered rect, .node.hovered ellipse, .node.hovered polygon, .node.hovered path { stroke: #f59e0b !important; stroke-width: 3 !important; }
        .no-edge-labels .edge text { display: none; }
        """

    static let script = """
        (function () {
          "use strict";
          var data = JSON.parse(document.getElementById("viz-data").textContent);
          var details = document.getElementById("details");
          var hovered = null;
          function cell(text, tag) { var c = document.createElement(tag || "td"); c.textContent = text; return c; }
          function show(panel, node, element) {
            if (hovered) { hovered.classList.remove("hovered"); }
            hovered = element;
            element.classList.add("hovered");
            details.textContent = "";
            details.dataset.node = panel + "-" + node.id;
            var heading = document.createElement("h3");
            heading.textContent = node.label;
            details.appendChild(heading);
            var table = document.createElement("table");
            var rows = [["graph", panel === "before" ? "before rewriting" : "after rewriting"], ["kind", node.kind],
                        ["family", node.family]];
            if (node.cluster) { rows.push(["inner graph of", node.cluster]); }
            rows = rows.concat(node.details);
            rows.forEach(function (row) {
              var tr = document.createElement("tr");
              tr.appendChild(cell(row[0]));
              tr.appendChild(cell(row[1]));
              table.appendChild(tr);
            });
            details.appendChild(table);
          }
          function setUp(panel) {
            var graph = data[panel];
            var view = document.getElementById(panel + "-view");
            var svg = view.querySelector("svg");
            var state = { scale: 1, x: 0, y: 0 };
            var natural = svg.getBoundingClientRect();
            function apply() {
              svg.style.transform = "translate(" + state.x + "px," + state.y + "px) scale(" + state.scale + ")";
            }
            function fit() {
              var scale = Math.min(view.clientWidth / natural.width, view.clientHeight / natural.height, 1);
              state.scale = scale > 0 && isFinite(scale) ? scale : 1;
              state.x = Math.max(0, (view.clientWidth - natural.width * state.scale) / 2);
              state.y = 0;
              apply();
            }
            view.addEventListener("wheel", function (event) {
              event.preventDefault();
              var box = view.getBoundingClientRect();
              var mx = event.clientX - box.left, my = event.clientY - box.top;
              var scale = Math.min(20, Math.max(0.02, state.scale * Math.exp(-event.deltaY * 0.0015)));
              state.x = mx - (mx - state.x) * scale / state.scale;
              state.y = my - (my - state.y) * scale / state.scale;
              state.scale = scale;
              apply();
            }, { passive: false });
            var drag = null;
            view.addEventListener("mousedown", function (event) {
              drag = { x: event.clientX - state.x, y: event.clientY - state.y };
              view.classList.add("dragging");
            });
            window.addEventListener("mousemove", function (event) {
              if (!drag) { return; }
              state.x = event.clientX - drag.x;
              state.y = event.clientY - drag.y;
              apply();
            });
            window.addEventListener("mouseup", function () { drag = null; view.classList.remove("dragging"); });
            document.querySelector("[data-fit=" + panel + "]").addEventListener("click", fit);
            graph.nodes.forEach(function (node) {
              var element = document.getElementById(panel + "-" + node.id);
              if (!element) { return; }
              element.addEventListener("mouseover", function () { show(panel, node, element); });
            });
            fit();
            view.vizState = state;
          }
          ["before", "after"].forEach(setUp);
          document.getElementById("edge-labels").addEventListener("change", function (event) {
            document.body.classList.toggle("no-edge-labels", !event.target.checked);
          });
        })();
        """

    /// Runs only with `#selftest`: every node drawn, hover shows details, the wheel zooms.
    static let selfTest = """
        (function () {
          "use strict";
          if (location.hash !== "#selftest") { return; }
          var result = { errors: window.vizErrors, panels: {} };
          var pass = window.vizErrors.length === 0;
          try {
            var data = JSON.parse(document.getElementById("viz-data").textContent);
            ["before", "after"].forEach(function (panel) {
              var nodes = data[panel].nodes;
              var missing = nodes.filter(function (n) { return !document.getElementById(panel + "-" + n.id); })
                                 .map(function (n) { return n.id; });
              var hover = {};
              nodes.filter(function (n) { return n.kind === "op"; }).concat([nodes[nodes.length - 1]])
                .slice(0, 3).forEach(function (node) {
                  var element = document.getElementById(panel + "-" + node.id);
                  var target = element && (element.querySelector("text") || element);
                  if (target) { target.dispatchEvent(new MouseEvent("mouseover", { bubbles: true })); }
                  var details = document.getElementById("details");
                  hover[node.id] = details.dataset.node === panel + "-" + node.id
                    && node.details.every(function (row) { return details.textContent.indexOf(row[1]) >= 0; });
                });
              var view = document.getElementById(panel + "-view");
              var before = view.vizState.scale;
              view.dispatchEvent(new WheelEvent("wheel", { deltaY: -200, clientX: 10, clientY: 10, bubbles: true, cancelable: true }));
              var zoomed = view.vizState.scale > before;
              result.panels[panel] = { nodes: nodes.length, missing: missing, hover: hover, zoomed: zoomed };
              pass = pass && missing.length === 0 && zoomed
                && Object.keys(hover).length > 0 && Object.keys(hover).every(function (k) { return hover[k]; });
            });
          } catch (error) {
            result.errors.push("selftest: " + error);
            pass = false;
          }
          result.status = pass ? "pass" : "fail";
          var pre = document.createElement("pre");
          pre.id = "selftest-result";
          pre.textContent = JSON.stringify(result);
          document.body.appendChild(pre);
        })();
        """
}
