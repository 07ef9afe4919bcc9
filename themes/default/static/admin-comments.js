// The moderation queue's "select all" box: shown only when this script runs, it ticks or clears
// every row's box. Everything else on the page works without it.
(function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  all.hidden = false;
  var boxes = document.querySelectorAll('input[type=checkbox][name=ids]');
  all.addEventListener("change", function () {
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
})();
