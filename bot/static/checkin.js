// The check-in page: read the browser's position and send the form (or say it was refused).
(function () {
  var form = document.getElementById("checkin");
  var go = document.getElementById("go");
  function send(denied) {
    if (denied) { document.getElementById("denied").value = "1"; }
    form.submit();
  }
  go.addEventListener("click", function () {
    go.disabled = true;
    var status = document.getElementById("status");
    status.textContent = status.dataset.waiting;
    if (!navigator.geolocation) { send(true); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lat").value = pos.coords.latitude;
      document.getElementById("lon").value = pos.coords.longitude;
      document.getElementById("accuracy").value = pos.coords.accuracy;
      send(false);
    }, function () { send(true); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  });
})();
