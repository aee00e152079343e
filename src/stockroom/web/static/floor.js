// Floor operations: scanning with the phone's camera where the browser can read barcodes
// (BarcodeDetector), and a buzz for what was booked or refused. Keyboard-wedge scanners
// need nothing here: app.js moves on at their Enter.
"use strict";

(function () {
  const SCAN_EVERY_MS = 200;
  let formats = null; // what this browser's BarcodeDetector reads; null until asked
  let stream = null;
  let timer = null;
  let target = null;

  // The camera buttons stay hidden unless the browser can read barcodes from a camera.
  function canScan() {
    return "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  }

  async function revealCameraButtons() {
    if (!canScan()) return;
    if (formats === null) {
      try { formats = await window.BarcodeDetector.getSupportedFormats(); } catch (e) { formats = []; }
    }
    if (formats.length === 0) return;
    for (const button of document.querySelectorAll("button[data-camera]")) button.hidden = false;
  }

  function say(text) {
    const status = document.getElementById("camera-status");
    if (status) status.textContent = text;
  }

  async function openCamera(button) {
    const dialog = document.getElementById("camera-dialog");
    const video = document.getElementById("camera-video");
    target = document.getElementById(button.dataset.camera);
    if (!dialog || !video || !target) return;
    say("Point the camera at the barcode.");
    dialog.showModal();
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) {
      say("The camera could not be opened. Allow it in the browser, or type the code.");
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    const detector = new window.BarcodeDetector({ formats });
    timer = window.setInterval(() => detect(detector, video), SCAN_EVERY_MS);
  }

  let busy = false;
  async function detect(detector, video) {
    if (busy || video.readyState < 2) return;
    busy = true;
    try {
      const codes = await detector.detect(video);
      if (codes.length > 0 && codes[0].rawValue) found(codes[0].rawValue);
    } catch (e) {
      // A frame that could not be read: try the next one.
    } finally {
      busy = false;
    }
  }

  // The code goes into the field as a scanner would type it, then Enter moves on (app.js).
  function found(value) {
    const field = target;
    closeCamera();
    if (!field) return;
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
  }

  function stopCamera() {
    if (timer !== null) { window.clearInterval(timer); timer = null; }
    if (stream) { for (const track of stream.getTracks()) track.stop(); stream = null; }
    const video = document.getElementById("camera-video");
    if (video) video.srcObject = null;
  }

  function closeCamera() {
    stopCamera();
    const dialog = document.getElementById("camera-dialog");
    if (dialog && dialog.open) dialog.close();
    target = null;
  }

  document.addEventListener("click", (event) => {
    const camera = event.target.closest("button[data-camera]");
    if (camera) { openCamera(camera); return; }
    if (event.target.closest("[data-camera-close]")) closeCamera();
  });
  // Escape closes the dialog without our button: the camera must stop then too.
  document.addEventListener("close", (event) => {
    if (event.target.id === "camera-dialog") stopCamera();
  }, true);

  // A short buzz for a booking, a longer one for a refusal: the phone may be in a pocket
  // by the time the page answers.
  document.addEventListener("htmx:afterSwap", (event) => {
    revealCameraButtons();
    if (!navigator.vibrate || !event.detail.target || event.detail.target.id !== "floor-area") return;
    const area = document.getElementById("floor-area");
    if (!area) return;
    if (area.querySelector('[role="alert"], .field-error')) navigator.vibrate([80, 60, 80]);
    else if (area.querySelector('[role="status"]')) navigator.vibrate(40);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", revealCameraButtons);
  else revealCameraButtons();
})();
