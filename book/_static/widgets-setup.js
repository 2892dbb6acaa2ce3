// Loaded just before require.js and the ipywidgets HTML manager (nb_ipywidgets_js in _config.yml).
// 1. The manager is an AMD module named "@jupyter-widgets/html-manager/dist/embed-amd" and loads its Font Awesome
//    fonts relative to where require.js resolves that name (by default: below the page's own folder, a 404).
//    Map the name to the vendored copy next to this file; require.js reads a `require` object as its config.
var widgetsBase = new URL("vendor/html-manager/", document.currentScript.src).href;
window.__jupyter_widgets_assets_path__ = widgetsBase;
var widgetsDir = widgetsBase.replace(/\/$/, "");
window.require = { paths: { "@jupyter-widgets/html-manager/dist": widgetsDir, "@jupyter-widgets": widgetsDir } };
// 2. The manager typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue); the book uses MathJax 3.
//    Once MathJax 3 is loaded (deferred, before DOMContentLoaded), give it that one method.
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub || typeof mj.typesetPromise !== "function") return;
  mj.Hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (cmd) {
        if (Array.isArray(cmd) && cmd[0] === "Typeset" && cmd[2]) {
          mj.startup.promise.then(function () { return mj.typesetPromise([cmd[2]]); });
        }
      });
    },
  };
});
