/* Ask before an action that is hard to undo.
 *
 * A submit button (or a form) with data-confirm="question" asks the question before the form
 * is sent; a link with data-confirm asks before it is followed. Cancelling stops the action.
 * Without this script the action simply happens, as on any plain form.
 */
(function () {
  "use strict";

  function question(element) {
    return element ? element.getAttribute("data-confirm") : null;
  }

  document.addEventListener("submit", function (event) {
    var text = question(event.submitter) || question(event.target);
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-confirm]") : null;
    if (link && !window.confirm(question(link))) {
      event.preventDefault();
    }
  });
})();
