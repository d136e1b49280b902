/* Meeting pages: small enhancements of pages that work without JavaScript.
 *
 * - The print view's button opens the browser's print dialog.
 * - The minutes editor warns before leaving the page with unsaved text (the server also
 *   keeps text sent after the session ended, but text never sent cannot be kept).
 */
(function () {
  "use strict";

  var printButton = document.getElementById("print-button");
  if (printButton) {
    printButton.addEventListener("click", function () {
      window.print();
    });
  }

  var editor = document.getElementById("minutes-editor");
  if (editor) {
    var dirty = false;
    editor.addEventListener("input", function () {
      dirty = true;
    });
    editor.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) {
        dirty = false;
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }
})();
