// sluice console: progressive enhancement only; every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  var p = document.getElementById("print");
  if (p) p.addEventListener("click", function () { window.print(); });
});
