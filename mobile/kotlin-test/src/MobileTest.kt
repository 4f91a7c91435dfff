// The JVM test of the generated Kotlin bindings against the real
// libauxilio_mobile.so and a real auxilio-server on loopback. Run by
// ../run.sh, which starts `auxilio-server demo` and passes:
//   <server url> <enrollment code> <operator username> <operator password> <data dir>
// Exits 0 only if every check passed.
package pe.elporvenir.auxilio.test

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.system.exitProcess
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.runBlocking
import pe.elporvenir.auxilio.AlertKind
import pe.elporvenir.auxilio.AlertStatus
import pe.elporvenir.auxilio.AuxilioException
import pe.elporvenir.auxilio.CoreEvent
import pe.elporvenir.auxilio.EventListener
import pe.elporvenir.auxilio.Fix
import pe.elporvenir.auxilio.FixSource
import pe.elporvenir.auxilio.LocalAlert
import pe.elporvenir.auxilio.Profile
import pe.elporvenir.auxilio.ReporterRole
import pe.elporvenir.auxilio.defaultConfig
import pe.elporvenir.auxilio.examples.SosTrigger
import pe.elporvenir.auxilio.examples.alertId
import pe.elporvenir.auxilio.openCore

class Failed(message: String) : Exception(message)

fun check(ok: Boolean, what: String) {
    if (!ok) throw Failed(what)
    println("ok: $what")
}

/** Takes events until one matches, failing after [seconds]. */
fun LinkedBlockingQueue<CoreEvent>.await(what: String, seconds: Long, match: (CoreEvent) -> Boolean): CoreEvent {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
    while (true) {
        val left = deadline - System.nanoTime()
        val event = poll(maxOf(left, 0), TimeUnit.NANOSECONDS) ?: throw Failed("no $what within $seconds s")
        if (match(event)) {
            println("ok: $what")
            return event
        }
    }
}

/** The operator's side, through the server's responder HTTP API. */
class Operator(private val server: String) {
    private val http = HttpClient.newHttpClient()
    private var token = ""

    private fun post(path: String, json: String, auth: Boolean): String {
        val req = HttpRequest.newBuilder(URI.create(server.trimEnd('/') + path))
            .header("content-type", "application/json")
            .apply { if (auth) header("authorization", "Bearer $token") }
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val res = http.send(req, HttpResponse.BodyHandlers.ofString())
        if (res.statusCode() !in 200..299) throw Failed("POST $path answered HTTP ${res.statusCode()}: ${res.body()}")
        return res.body()
    }

    fun login(username: String, password: String) {
        val body = post("/api/v1/login", """{"username":"$username","password":"$password"}""", auth = false)
        token = Regex(""""token"\s*:\s*"([^"]+)"""").find(body)?.groupValues?.get(1)
            ?: throw Failed("login answer without a token")
    }

    fun acknowledge(alertId: String): String =
        post("/api/v1/alerts/$alertId/transition", """{"to":"acknowledged"}""", auth = true)
}

fun run(server: String, code: String, username: String, password: String, dataDir: String) = runBlocking {
    val config = defaultConfig(dataDir, server).copy(
        appVersion = "auxilio-kotlin-test/1",
        backoffInitialMs = 200u,
        backoffCapMs = 2_000u,
        statusPollIntervalMs = 200u,
        fixDeadlineMs = 3_000u,
    )
    check(config.goodAccuracyM == 50.0 && config.positionBatchMax == 200u, "defaultConfig carries core's defaults")
    val core = openCore(config)
    check(!core.isEnrolled() && core.deviceId().length == 36, "a fresh core has a device id and is not enrolled")

    // Errors cross as AuxilioException subclasses, without personal data.
    val zero = Fix(0.0, 0.0, 10.0, null, null, null, System.currentTimeMillis(), FixSource.GPS)
    val refused = try { core.feedFix(zero); null } catch (e: AuxilioException.InvalidFix) { e }
    check(refused != null, "a (0, 0) fix is refused with InvalidFix")
    val badId = try { core.alert("not-an-id"); null } catch (e: AuxilioException.InvalidAlertId) { e }
    check(badId != null, "a malformed alert id is refused with InvalidAlertId")

    val profile = Profile(
        displayName = "Conductora de prueba", dni = null, phone = "+51944000111",
        role = ReporterRole.MOTOTAXI_DRIVER, plate = "M1-234", place = null,
    )
    val badCode = try { core.enroll("ep-not-a-code", profile); null } catch (e: AuxilioException.Server) { e }
    check(badCode != null && badCode.status.toInt() == 403, "a wrong enrollment code is refused with Server(403)")
    check(badCode?.message?.contains("944000111") == false, "the error message carries no phone number")
    val enrollment = core.enroll(code, profile)
    check(core.isEnrolled() && enrollment.deviceId == core.deviceId(), "enrolled with the demo code")
    check(core.profile()?.role == ReporterRole.MOTOTAXI_DRIVER, "the profile is kept")

    // A good fresh fix, as Android's fused provider would give it (El Porvenir).
    core.feedFix(Fix(-8.0745, -79.0012, 12.0, null, null, null, System.currentTimeMillis(), FixSource.FUSED))

    // Everything core says, from before the SOS: no step can be missed.
    val all = LinkedBlockingQueue<CoreEvent>()
    val lagged = AtomicLong(0)
    val everything = core.subscribe(object : EventListener {
        override fun onEvent(event: CoreEvent) { all.add(event) }
        override fun onLagged(missed: ULong) { lagged.addAndGet(missed.toLong()) }
    })

    // A listener that throws must not lose its subscription (nor crash anything).
    val throwingCalls = AtomicLong(0)
    val throwing = core.subscribe(object : EventListener {
        override fun onEvent(event: CoreEvent) { throwingCalls.incrementAndGet(); throw IllegalStateException("listener bug") }
        override fun onLagged(missed: ULong) {}
    })

    val trigger = SosTrigger(core)
    val alertId = trigger.raise(AlertKind.ASALTO, silent = true, batteryPct = 73u)
    check(alertId.length == 36, "raiseSos returned an alert id")
    val stored = core.alert(alertId)
    check(stored != null && stored.kind == AlertKind.ASALTO && stored.silent, "the alert is stored durably with its kind and silence")
    check(stored!!.fix?.source == FixSource.FUSED && stored.fix?.accuracyM == 12.0, "the alert carries the fed fix")

    all.await("the Queued event through the callback", 10) { it is CoreEvent.Queued && it.alertId == alertId }
    val received = all.await("the Received (delivered) event through the callback", 30) {
        it is CoreEvent.Received && it.alertId == alertId
    } as CoreEvent.Received
    check(received.view.id == alertId && received.view.status == AlertStatus.NEW, "Received carries the server's view (status NEW)")

    // The example's observer: it first reports the current state, then each step.
    val events = LinkedBlockingQueue<CoreEvent>()
    val statuses = LinkedBlockingQueue<LocalAlert>()
    val subscription = trigger.observe(alertId, GlobalScope, onEvent = { events.add(it) }, onStatus = { statuses.add(it) })
    val current = statuses.poll(10, TimeUnit.SECONDS)
    check(current != null && current.id == alertId && current.received, "observe() reports the current state (received)")

    val operator = Operator(server)
    operator.login(username, password)
    check(operator.acknowledge(alertId).contains("acknowledged"), "the operator acknowledged through the responder API")
    val ack = events.await("the Acknowledged event through the example's observer", 30) { it is CoreEvent.Acknowledged } as CoreEvent.Acknowledged
    check(ack.alertId() == alertId && ack.view.status == AlertStatus.ACKNOWLEDGED, "Acknowledged carries the server's view")
    all.await("the Acknowledged event through the first listener too", 10) { it is CoreEvent.Acknowledged && it.alertId == alertId }
    check(lagged.get() == 0L, "the listener lost no event to lag")
    check(throwingCalls.get() >= 3 && !throwing.isFinished(), "a listener that throws keeps getting events (${throwingCalls.get()} calls)")
    throwing.close()

    val local = core.alert(alertId)!!
    check(local.received && local.status == AlertStatus.ACKNOWLEDGED, "the local view follows the server status")
    val drained = core.waitDrained()
    check(drained.wedged.isEmpty(), "the outbox drained with nothing wedged")
    check(core.pending().none { it.alertId == alertId && it.item == pe.elporvenir.auxilio.OutboxItemKind.ALERT }, "the alert is no longer pending")

    // Subscription handles stop their task when cancelled or closed.
    subscription.cancel()
    var stopped = false
    for (i in 0 until 50) { if (subscription.isFinished()) { stopped = true; break }; Thread.sleep(20) }
    check(stopped, "cancel() stops the subscription task")
    subscription.close()
    everything.close()

    core.cancel(alertId, "prueba terminada")
    core.shutdown()
    val after = try { core.raiseSos(pe.elporvenir.auxilio.SosRequest(AlertKind.SOS, false, null, null)); null } catch (e: AuxilioException.Shutdown) { e }
    check(after != null, "after shutdown, calls fail with Shutdown")
    core.close()
}

fun main(args: Array<String>) {
    if (args.size != 5) {
        System.err.println("usage: MobileTest <server url> <code> <operator> <password> <data dir>")
        exitProcess(2)
    }
    try {
        run(args[0], args[1], args[2], args[3], args[4])
        println("PASS: Kotlin bindings against the real library and server")
        exitProcess(0)
    } catch (e: Throwable) {
        System.err.println("FAIL: ${e.message ?: e}")
        e.printStackTrace()
        exitProcess(1)
    }
}
