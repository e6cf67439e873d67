/* Print pages: the "Skriv ut" button (shown only with JavaScript) opens the print dialog.
   A static file rather than a javascript: link, which the CSP forbids. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
