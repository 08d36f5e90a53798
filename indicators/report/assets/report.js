// Draws every chart on the page from the Vega-Lite specs in #chart-specs, with Dutch number formatting.
// Loaded after vega, vega-lite and vega-embed (vendored next to this file): no network at view time.
(function () {
  "use strict";
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var options = {
    actions: false,
    renderer: "svg",
    formatLocale: { decimal: ",", thousands: ".", grouping: [3], currency: ["€ ", ""] },
    timeFormatLocale: {
      dateTime: "%a %e %B %Y %X", date: "%d-%m-%Y", time: "%H:%M:%S", periods: ["AM", "PM"],
      days: ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
      shortDays: ["zo", "ma", "di", "wo", "do", "vr", "za"],
      months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
               "oktober", "november", "december"],
      shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    }
  };
  // A chart of fixed width wider than its box (on a phone) is scaled down whole rather than cut off; charts
  // with width "container" already follow their box.
  function fit(element) {
    var svg = element.querySelector("svg");
    if (!svg || svg.getBoundingClientRect().width <= element.clientWidth + 1) { return; }
    if (!svg.getAttribute("viewBox")) {
      svg.setAttribute("viewBox", "0 0 " + svg.getAttribute("width") + " " + svg.getAttribute("height"));
    }
    svg.setAttribute("width", "100%");
    svg.removeAttribute("height");
    svg.style.height = "auto";
  }
  // One chart after the other (measured faster than all at once or than yielding between charts),
  // started from a timer so the parser finishes the page first.
  var ids = Object.keys(specs);
  function draw(i) {
    if (i === ids.length) {
      // A marker for tests and timing: every chart is drawn, and when (ms after navigation start).
      document.body.setAttribute("data-charts-drawn", String(Math.round(performance.now())));
      return;
    }
    var element = document.getElementById(ids[i]);
    if (!element) { draw(i + 1); return; }
    vegaEmbed(element, specs[ids[i]], options).then(function () { fit(element); }).catch(function (error) {
      element.textContent = "Deze grafiek kon niet worden getekend.";
      console.error(ids[i], error);
    }).then(function () { draw(i + 1); });
  }
  window.setTimeout(draw, 0, 0);
}());
