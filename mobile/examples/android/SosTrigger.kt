// The two calls a home-screen widget or a hardware-button receiver makes:
// raise an SOS, then observe its status. Plain Kotlin (no Android classes),
// so the Kotlin test in mobile/kotlin-test compiles and runs this very file.
package pe.elporvenir.auxilio.examples

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import pe.elporvenir.auxilio.AlertKind
import pe.elporvenir.auxilio.AuxilioCore
import pe.elporvenir.auxilio.CoreEvent
import pe.elporvenir.auxilio.EventListener
import pe.elporvenir.auxilio.LocalAlert
import pe.elporvenir.auxilio.SosRequest
import pe.elporvenir.auxilio.TaskHandle

class SosTrigger(private val core: AuxilioCore) {
    /**
     * Raises an SOS and returns its id once core has committed it to its
     * durable outbox. Delivery, retries, tracking and the SMS fallback go on
     * in core, whatever happens to the caller afterwards.
     */
    suspend fun raise(kind: AlertKind = AlertKind.SOS, silent: Boolean = false, batteryPct: UByte? = null): String =
        core.raiseSos(SosRequest(kind = kind, silent = silent, note = null, batteryPct = batteryPct))

    /**
     * Calls [onEvent] with every event of [alertId] (queued, sent, received,
     * acknowledged, dispatched, en route, on scene, resolved, cancelled, SMS
     * fallback, wedged) until the returned handle is closed. Steps that
     * happened before the subscription (or were missed by a slow listener)
     * come as the alert's current state through [onStatus], read in [scope].
     */
    fun observe(
        alertId: String,
        scope: CoroutineScope,
        onEvent: (CoreEvent) -> Unit,
        onStatus: (LocalAlert) -> Unit,
    ): TaskHandle {
        val handle = core.subscribe(object : EventListener {
            override fun onEvent(event: CoreEvent) {
                if (event.alertId() == alertId) onEvent(event)
            }

            override fun onLagged(missed: ULong) {
                scope.launch { core.alert(alertId)?.let(onStatus) }
            }
        })
        scope.launch { core.alert(alertId)?.let(onStatus) }
        return handle
    }

    /**
     * The SMS fallback: core emits [CoreEvent.SmsFallback] when the server
     * has not received the alert in time. Sends its text to its number and
     * tells core (`smsFallbackSent`) only once the platform reported the SMS
     * sent; otherwise core is told nothing and the person sends it (an
     * `sms:` link with the same number and text). Returns whether it went.
     */
    suspend fun sendSmsFallback(event: CoreEvent.SmsFallback, sender: SmsSender): Boolean {
        if (!sender.send(event.to, event.text)) return false
        core.smsFallbackSent(event.alertId)
        return true
    }
}

/**
 * Sends one SMS. Answers true only when the platform reported it sent
 * (Android: the sent PendingIntent's broadcast with `Activity.RESULT_OK`);
 * false for no permission, no signal, no report in time. The Android
 * implementation with `SmsManager` is in SmsFallbackSender.kt.
 */
interface SmsSender {
    suspend fun send(to: String, text: String): Boolean
}

/** The alert an event is about, or null for queue-wide events. */
fun CoreEvent.alertId(): String? = when (this) {
    is CoreEvent.Queued -> alertId
    is CoreEvent.Sent -> alertId
    is CoreEvent.Received -> alertId
    is CoreEvent.Acknowledged -> alertId
    is CoreEvent.Dispatched -> alertId
    is CoreEvent.EnRoute -> alertId
    is CoreEvent.OnScene -> alertId
    is CoreEvent.Resolved -> alertId
    is CoreEvent.Cancelled -> alertId
    is CoreEvent.SmsFallback -> alertId
    is CoreEvent.SmsFallbackSent -> alertId
    is CoreEvent.SmsFallbackNotNeeded -> alertId
    is CoreEvent.PositionRefined -> alertId
    is CoreEvent.TrackingStopped -> alertId
    is CoreEvent.Wedged -> alertId
    is CoreEvent.QueueChanged -> null
}

/** A short Spanish label for the reporter's screen or notification. */
fun CoreEvent.label(): String? = when (this) {
    is CoreEvent.Queued -> "Alerta guardada, enviando…"
    is CoreEvent.Sent -> "Enviando alerta…"
    is CoreEvent.Received -> "La central recibió su alerta"
    is CoreEvent.Acknowledged -> "Un operador vio su alerta"
    is CoreEvent.Dispatched -> "Unidad asignada: ${view.unitName ?: "serenazgo"}"
    is CoreEvent.EnRoute -> "La unidad está en camino"
    is CoreEvent.OnScene -> "La unidad está en el lugar"
    is CoreEvent.Resolved -> "Alerta atendida"
    is CoreEvent.Cancelled -> "Alerta cancelada"
    is CoreEvent.SmsFallback -> "Sin conexión: enviando SMS"
    is CoreEvent.SmsFallbackSent -> "SMS enviado"
    is CoreEvent.SmsFallbackNotNeeded -> null
    is CoreEvent.PositionRefined -> "Ubicación precisada y enviada"
    is CoreEvent.TrackingStopped -> "Ya no se comparte su ubicación"
    is CoreEvent.Wedged -> "La central rechazó la alerta: llame al 105"
    is CoreEvent.QueueChanged -> null
}
