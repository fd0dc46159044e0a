// The player page: register and log in, the lobby, deposit, a game session with a server-side spin beside the
// provider's game client, round history with acknowledgements, withdrawal, all live over /ws/player/.
// It uses only the public API (/api/v1) and the WebSocket, exactly as a third-party frontend would.
(function () {
  "use strict";

  const API = "/api/v1/";
  const state = {
    access: sessionStorage.getItem("access"),
    refresh: sessionStorage.getItem("refresh"),
    me: null,
    session: null,
    socket: null,
    socketRetry: 0,
    rounds: new Map(), // round_id -> {round_id, bet, payout, status, acknowledged}
    payments: new Map(), // payment_id -> {payment_id, kind, amount, currency, status}
  };
  const $ = (selector) => document.querySelector(selector);

  // ------------------------------------------------------------------------------------------ API and problems

  class Problem extends Error {
    constructor(body, status, retryAfter) {
      super(body.detail || body.title || "HTTP " + status);
      this.body = body;
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  async function api(method, path, body, options) {
    const opts = options || {};
    const headers = {Accept: "application/json"};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.access && opts.auth !== false) headers.Authorization = "Bearer " + state.access;
    if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
    let response;
    try {
      response = await fetch(API + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new Problem({code: "network_error", title: "The casino cannot be reached. Check your connection."}, 0);
    }
    if (response.status === 401 && opts.auth !== false && !opts.retried && state.refresh) {
      if (await refreshTokens()) return api(method, path, body, Object.assign({}, opts, {retried: true}));
    }
    if (response.status === 304 || response.status === 204) return null;
    const answer = await response.json().catch(() => ({title: response.statusText || "Unreadable answer"}));
    if (!response.ok) throw new Problem(answer, response.status, response.headers.get("Retry-After"));
    return answer;
  }

  async function refreshTokens() {
    try {
      const tokens = await api("POST", "auth/token/refresh", {refresh: state.refresh}, {auth: false});
      saveTokens(tokens);
      connectSocket();
      return true;
    } catch (error) {
      logout("Your login has expired. Please log in again.");
      return false;
    }
  }

  // What each stable problem `code` means to a player; anything else shows the server's own title and detail.
  const MESSAGES = {
    insufficient_funds: "Not enough money for this. Deposit first, or choose a smaller amount.",
    country_blocked: "Sorry: players from your country cannot play here.",
    provider_unavailable: "The game provider is not available right now.",
    gateway_unavailable: "The payment service is not answering right now.",
    session_closed: "This game session is closed or has expired. Open the game again.",
    session_not_found: "This game session is unknown. Open the game again.",
    bet_out_of_range: "That bet is outside the game's limits.",
    kyc_required: "Please verify your identity before withdrawing.",
    invalid_credentials: "Wrong username or password.",
    token_invalid: "Your login has expired. Please log in again.",
    not_authenticated: "Please log in.",
    too_many_requests: "Too many requests. Please wait a moment.",
    rate_limited: "Too many requests. Please wait a moment.",
    validation_error: "Please check what you entered.",
    game_not_found: "That game is not available.",
    payment_declined: "The payment was declined.",
    idempotency_key_conflict: "That request was already used for something else; please try again.",
    idempotency_key_in_progress: "Still working on your previous request…",
    not_found: "Not found.",
    network_error: "The casino cannot be reached. Check your connection.",
  };

  let retryTimer = null;

  function showProblem(error, retry) {
    const problem = error instanceof Problem ? error.body : {title: String(error.message || error)};
    const notice = $("#notice");
    const lines = [MESSAGES[problem.code] || problem.title || "Something went wrong."];
    if (problem.detail && problem.detail !== lines[0]) lines.push(problem.detail);
    $("#notice-text").textContent = lines.join(" ");
    const list = $("#notice-errors");
    list.replaceChildren();
    for (const [field, messages] of Object.entries(problem.errors || {})) {
      for (const message of [].concat(messages)) {
        const item = document.createElement("li");
        item.textContent = field + ": " + message;
        list.appendChild(item);
      }
    }
    notice.dataset.code = problem.code || "";
    notice.className = "problem";
    notice.hidden = false;
    const button = $("#notice-retry");
    clearInterval(retryTimer);
    button.hidden = !retry;
    if (retry) {
      // Retry-After says when trying again makes sense; the same Idempotency-Key makes the retry safe.
      let wait = Number(error.retryAfter || 0);
      const tick = () => {
        button.disabled = wait > 0;
        button.textContent = wait > 0 ? "Retry in " + wait + " s" : "Retry";
        wait -= 1;
        if (wait < 0) clearInterval(retryTimer);
      };
      tick();
      retryTimer = setInterval(tick, 1000);
      button.onclick = () => { hideNotice(); retry(); };
    }
  }

  function say(text) {
    $("#notice-text").textContent = text;
    $("#notice-errors").replaceChildren();
    $("#notice-retry").hidden = true;
    $("#notice").className = "info";
    $("#notice").dataset.code = "";
    $("#notice").hidden = false;
  }

  function hideNotice() {
    clearInterval(retryTimer);
    $("#notice").hidden = true;
  }

  function newKey() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  // ------------------------------------------------------------------------------------------ log in and out

  function saveTokens(tokens) {
    state.access = tokens.access;
    state.refresh = tokens.refresh;
    sessionStorage.setItem("access", tokens.access);
    sessionStorage.setItem("refresh", tokens.refresh);
  }

  function formData(form) {
    return Object.fromEntries(new FormData(form).entries());
  }

  async function login(username, password) {
    saveTokens(await api("POST", "auth/token", {username, password}, {auth: false}));
    await start();
  }

  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = formData(event.target);
    try {
      await login(data.username, data.password);
    } catch (error) {
      showProblem(error);
    }
  });

  $("#register-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = formData(event.target);
    data.country = data.country.trim().toUpperCase();
    try {
      await api("POST", "auth/register", data, {auth: false});
      await login(data.username, data.password);
      say("Welcome, " + data.username + "! Make a deposit to start playing.");
    } catch (error) {
      showProblem(error);
    }
  });

  function logout(message) {
    state.access = state.refresh = state.me = state.session = null;
    sessionStorage.clear();
    if (state.socket) state.socket.close(1000);
    $("#app").hidden = true;
    $("#account").hidden = true;
    $("#auth").hidden = false;
    $("#game-frame").removeAttribute("src");
    if (message) say(message); else hideNotice();
  }

  $("#logout").addEventListener("click", () => logout());
  $("#notice-close").addEventListener("click", hideNotice);

  // ------------------------------------------------------------------------------------------ balance and socket

  function showBalance(balance, available) {
    $("#balance").textContent = balance;
    $("#available").textContent = available;
    const held = (Number(balance) - Number(available)).toFixed(balance.split(".")[1]?.length || 0);
    $("#held").textContent = held;
  }

  async function refreshBalance() {
    const balance = await api("GET", "me/balance");
    showBalance(balance.balance, balance.available);
  }

  function setLive(live) {
    const badge = $("#live");
    badge.textContent = live ? "live" : "offline";
    badge.className = "live " + (live ? "on" : "off");
  }

  function connectSocket() {
    if (state.socket) {
      state.socket.onclose = null;
      state.socket.close(1000);
    }
    if (!state.access) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    // The token travels as a subprotocol, never in the URL (URLs end up in logs).
    const socket = new WebSocket(scheme + location.host + "/ws/player/", ["bearer", state.access]);
    state.socket = socket;
    socket.onopen = () => { state.socketRetry = 0; setLive(true); };
    socket.onmessage = (event) => onPush(JSON.parse(event.data));
    socket.onclose = async (event) => {
      setLive(false);
      if (!state.access || state.socket !== socket) return;
      if (event.code === 4401 && state.refresh) {
        await refreshTokens(); // reconnects with the new access token
        return;
      }
      state.socketRetry = Math.min(state.socketRetry + 1, 5);
      setTimeout(() => { if (state.socket === socket) connectSocket(); }, 500 * 2 ** state.socketRetry);
    };
  }

  setInterval(() => {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send('{"type": "ping"}');
  }, 25000);

  function onPush(message) {
    if (message.type === "balance.updated") {
      showBalance(message.balance, message.available);
      loadStatement();
    } else if (message.type === "round.settled") {
      const round = state.rounds.get(message.round_id) || {round_id: message.round_id, acknowledged: false};
      Object.assign(round, {bet: message.bet, payout: message.payout, status: "settled"});
      state.rounds.set(message.round_id, round);
      renderRounds();
    } else if (message.type === "payment.updated") {
      state.payments.set(message.payment_id, message);
      renderPayments();
      if (message.status !== "pending") {
        say("Your " + message.kind + " of " + message.amount + " " + message.currency + " " + message.status + ".");
      }
    }
  }

  // ------------------------------------------------------------------------------------------ lobby and game

  async function loadLobby() {
    // No ?currency=: the API answers a logged-in player with the games of their own currency.
    const games = (await api("GET", "games")).results;
    $("#lobby-currency").textContent = "games in " + state.me.currency;
    const list = $("#games");
    list.replaceChildren();
    for (const game of games) {
      const item = document.createElement("li");
      item.className = "game" + (game.available ? "" : " unavailable");
      item.dataset.gameId = game.id;
      const title = document.createElement("strong");
      title.textContent = game.name;
      const limits = document.createElement("span");
      limits.className = "muted";
      limits.textContent = game.provider + " · " + game.min_bet + "–" + game.max_bet + " " + game.currency;
      item.append(title, limits);
      for (const mode of ["real", "demo"]) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = mode === "real" ? "Play" : "Demo";
        button.className = mode === "real" ? "play" : "demo link";
        button.disabled = !game.available;
        button.addEventListener("click", () => openGame(game, mode));
        item.appendChild(button);
      }
      list.appendChild(item);
    }
  }

  async function openGame(game, mode) {
    hideNotice();
    try {
      const session = await api("POST", "sessions", {game_id: game.id, mode});
      state.session = Object.assign({game}, session);
    } catch (error) {
      showProblem(error, error.body?.code === "provider_unavailable" ? () => openGame(game, mode) : null);
      return;
    }
    const session = state.session;
    $("#game").hidden = false;
    $("#game-title").textContent = game.name;
    $("#session-mode").textContent = session.mode === "demo" ? "demo · play money" : "real money";
    $("#session-mode").className = "badge " + session.mode;
    $("#session-id").textContent = session.session_id;
    $("#session-expires").textContent = new Date(session.expires_at).toLocaleTimeString();
    $("#bet").value = game.min_bet;
    $("#spin").disabled = session.mode === "demo";
    $("#spin").title = session.mode === "demo" ? "A demo session plays in the game client only." : "";
    $("#spin-result").replaceChildren();
    $("#game-frame").src = session.launch_url;
    $("#game").scrollIntoView({behavior: "smooth"});
  }

  $("#game-close").addEventListener("click", () => {
    state.session = null;
    $("#game").hidden = true;
    $("#game-frame").removeAttribute("src");
  });

  async function spin(key) {
    const session = state.session;
    const idempotencyKey = key || newKey();
    const body = {game_id: session.game_id, session_id: session.session_id, bet: $("#bet").value.trim()};
    $("#spin").disabled = true;
    hideNotice();
    try {
      const round = await api("POST", "spin", body, {idempotencyKey});
      if (!state.socket || state.socket.readyState !== WebSocket.OPEN) await refreshBalance();
      const existing = state.rounds.get(round.round_id) || {acknowledged: false};
      state.rounds.set(round.round_id, Object.assign(existing, {
        round_id: round.round_id, bet: round.bet, payout: round.payout, status: round.status,
      }));
      renderRounds();
      showSpin(round);
    } catch (error) {
      const code = error.body?.code;
      // A retry with the same Idempotency-Key plays the same round (or finds how it ended): never a double bet.
      showProblem(error, code === "provider_unavailable" ? () => spin(idempotencyKey) : null);
      if (error.body?.round_id) trackRound(error.body.round_id);
    } finally {
      $("#spin").disabled = state.session?.mode === "demo";
    }
  }

  function showSpin(round) {
    const box = $("#spin-result");
    box.replaceChildren();
    const reels = round.result_data?.reels;
    if (reels) {
      const grid = document.createElement("div");
      grid.className = "reels";
      for (let row = 0; row < 3; row += 1) {
        for (const reel of reels) {
          const symbol = document.createElement("span");
          symbol.textContent = reel[row];
          if (row === 1) symbol.className = "line";
          grid.appendChild(symbol);
        }
      }
      box.appendChild(grid);
    }
    const outcome = document.createElement("p");
    outcome.id = "spin-outcome";
    const won = Number(round.payout) > 0;
    outcome.textContent = won ? "Won " + round.payout + " " + round.currency : "No win (bet " + round.bet + ")";
    outcome.className = won ? "win" : "";
    box.appendChild(outcome);
  }

  $("#spin").addEventListener("click", () => spin());

  // ------------------------------------------------------------------------------------------ rounds

  function roundsKey() {
    return "rounds:" + state.me.player_id;
  }

  async function trackRound(roundId) {
    try {
      const round = await api("GET", "rounds/" + roundId);
      state.rounds.set(roundId, Object.assign(state.rounds.get(roundId) || {}, round));
      renderRounds();
    } catch (error) {
      if (error.status === 404) state.rounds.delete(roundId);
    }
  }

  function renderRounds() {
    const body = $("#round-list");
    body.replaceChildren();
    const rounds = [...state.rounds.values()].reverse();
    $("#rounds-empty").hidden = rounds.length > 0;
    for (const round of rounds) {
      const row = document.createElement("tr");
      row.dataset.roundId = round.round_id;
      cell(row, round.round_id.slice(0, 8), "mono");
      cell(row, round.bet ?? "");
      cell(row, round.payout ?? "–");
      cell(row, round.status || "", "status");
      const seen = cell(row, "");
      if (round.acknowledged) {
        seen.textContent = "✓ acknowledged";
      } else if (round.status === "settled") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "ack link";
        button.textContent = "Acknowledge";
        button.addEventListener("click", () => acknowledge(round.round_id));
        seen.appendChild(button);
      }
      body.appendChild(row);
    }
    localStorage.setItem(roundsKey(), JSON.stringify([...state.rounds.keys()].slice(-50)));
  }

  async function acknowledge(roundId) {
    try {
      const answer = await api("POST", "rounds/" + roundId + "/ack");
      Object.assign(state.rounds.get(roundId), {acknowledged: answer.acknowledged, status: answer.status});
      renderRounds();
    } catch (error) {
      showProblem(error);
    }
  }

  // ------------------------------------------------------------------------------------------ payments

  async function loadGateways() {
    const gateways = (await api("GET", "payments/gateways")).results
      .filter((gateway) => gateway.currencies.includes(state.me.currency));
    for (const select of document.querySelectorAll("select.gateways")) {
      select.replaceChildren(...gateways.map((gateway) => new Option(gateway.name, gateway.code)));
    }
  }

  function renderPayments() {
    const body = $("#payment-list");
    body.replaceChildren();
    for (const payment of [...state.payments.values()].reverse()) {
      const row = document.createElement("tr");
      row.dataset.paymentId = payment.payment_id;
      row.dataset.kind = payment.kind;
      cell(row, payment.payment_id.slice(0, 8), "mono");
      cell(row, payment.kind);
      cell(row, payment.amount + " " + payment.currency);
      cell(row, payment.status, "status " + payment.status);
      body.appendChild(row);
    }
  }

  async function placeOrder(kind, form) {
    const data = formData(form);
    const order = {gateway: data.gateway, amount: data.amount.trim(), currency: state.me.currency};
    const created = await api("POST", "payments/" + kind + "s", order, {idempotencyKey: newKey()});
    state.payments.set(created.payment_id, {
      payment_id: created.payment_id, kind, amount: order.amount, currency: order.currency, status: created.status,
    });
    renderPayments();
    return created;
  }

  $("#deposit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    hideNotice();
    try {
      const created = await placeOrder("deposit", event.target);
      // The gateway's checkout opens beside the page; its webhook confirms the deposit and the socket tells us.
      const checkout = window.open(created.redirect_url, "checkout");
      const hint = $("#deposit-hint");
      hint.replaceChildren("Complete the payment in the checkout window. ");
      if (!checkout) {
        const link = document.createElement("a");
        link.href = created.redirect_url;
        link.target = "checkout";
        link.textContent = "Open the checkout";
        hint.appendChild(link);
      }
    } catch (error) {
      showProblem(error);
    }
  });

  $("#withdraw-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    hideNotice();
    try {
      await placeOrder("withdrawal", event.target);
      say("Withdrawal requested: the amount is held until the payment service pays it out.");
    } catch (error) {
      showProblem(error);
    }
  });

  // ------------------------------------------------------------------------------------------ statement

  async function loadStatement() {
    try {
      const page = await api("GET", "me/transactions");
      const body = $("#transaction-list");
      body.replaceChildren();
      for (const entry of page.results.slice(0, 10)) {
        const row = document.createElement("tr");
        cell(row, new Date(entry.created_at).toLocaleTimeString());
        cell(row, entry.kind);
        cell(row, entry.amount + " " + entry.currency, Number(entry.amount) < 0 ? "debit" : "credit");
        cell(row, entry.balance_after);
        cell(row, entry.reference, "mono");
        body.appendChild(row);
      }
    } catch (error) {
      // The statement is a convenience: a failure here must not hide the page's real messages.
    }
  }

  // ------------------------------------------------------------------------------------------ start

  async function start() {
    state.me = await api("GET", "me");
    $("#who").textContent = state.me.username;
    $("#currency").textContent = state.me.currency;
    await refreshBalance();
    $("#auth").hidden = true;
    $("#account").hidden = false;
    $("#app").hidden = false;
    connectSocket();
    state.rounds.clear();
    const known = JSON.parse(localStorage.getItem(roundsKey()) || "[]");
    await Promise.all([loadLobby(), loadGateways(), loadStatement(), ...known.map(trackRound)]);
    document.body.dataset.ready = "1";
  }

  if (state.access) {
    start().catch((error) => { logout(); showProblem(error); });
  }
})();
