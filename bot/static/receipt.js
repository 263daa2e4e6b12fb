// The consent receipt's Print button.
document.getElementById("print").addEventListener("click", function () { window.print(); });
