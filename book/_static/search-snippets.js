// Search result snippets without raw LaTeX. Sphinx builds each snippet from the text of the result page, where a
// formula is still its LaTeX source (MathJax typesets it only when the page is shown), so snippets read
// "\(LQ_{ir} = ...\)". Before the text is taken, every formula is replaced by the word "[formula]".
(function () {
  "use strict";
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") {
    return; // not the search page
  }
  const original = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".math, mjx-container").forEach((el) => {
      el.replaceWith(doc.createTextNode(" [formula] "));
    });
    return original(doc.documentElement.outerHTML, anchor);
  };
})();
