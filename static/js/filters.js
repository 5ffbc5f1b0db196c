// The incident list's filters sit behind a "Filters (n active)" disclosure so that a phone
// shows the results first; where the screen has room beside the results, it starts open.
"use strict";
{
  const panel = document.getElementById("filter-panel");
  if (panel && window.matchMedia("(min-width: 46.01rem)").matches) {
    panel.open = true;
  }
}
