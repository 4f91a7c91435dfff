// A home-screen widget whose button raises an SOS, and shows its status.
// Android-only sketch (not compiled here); the two calls it makes live in
// SosTrigger.kt, which mobile/kotlin-test compiles and runs on the JVM
// against the real library and a real auxilio-server.
//
// Wiring (AndroidManifest.xml): <receiver android:name=".SosWidget"> with the
// APPWIDGET_UPDATE intent filter and widget metadata; the same receiver can
// take the broadcast of a hardware-button pattern detector (e.g. an
// accessibility service counting volume-key presses).
package pe.elporvenir.auxilio.examples

import android.app.PendingIntent
import android.appwidget.AppWidgetManager
import android.appwidget.AppWidgetProvider
import android.content.ComponentName
import android.content.Context
import android.content.Intent
import android.widget.RemoteViews
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import pe.elporvenir.auxilio.AlertKind
import pe.elporvenir.auxilio.AuxilioCore
import pe.elporvenir.auxilio.AuxilioException
import pe.elporvenir.auxilio.CoreEvent
import pe.elporvenir.auxilio.TaskHandle
import pe.elporvenir.auxilio.defaultConfig
import pe.elporvenir.auxilio.openCore

/** One core per process, opened once and shared by the app, widgets and services. */
object Auxilio {
    private val lock = Mutex()
    private var core: AuxilioCore? = null
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    // Under a lock: two cores on one data directory would be two writers.
    suspend fun core(context: Context): AuxilioCore = lock.withLock {
        core ?: openCore(
            defaultConfig(context.filesDir.resolve("auxilio").path, BuildConfig.SERVER_URL)
                .copy(appVersion = "auxilio-android/${BuildConfig.VERSION_NAME}"),
        ).also { core = it }
    }
}

class SosWidget : AppWidgetProvider() {
    override fun onUpdate(context: Context, manager: AppWidgetManager, ids: IntArray) {
        val press = PendingIntent.getBroadcast(
            context, 0, Intent(context, SosWidget::class.java).setAction(ACTION_SOS),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val views = RemoteViews(context.packageName, R.layout.sos_widget).apply {
            setOnClickPendingIntent(R.id.sos_button, press)
        }
        manager.updateAppWidget(ids, views)
    }

    override fun onReceive(context: Context, intent: Intent) {
        super.onReceive(context, intent)
        if (intent.action != ACTION_SOS) return
        val done = goAsync() // about 10 s: raising waits at most fix_deadline_ms (8 s)
        Auxilio.scope.launch {
            try {
                val core = Auxilio.core(context.applicationContext)
                val trigger = SosTrigger(core)
                // 1. Raise: returns once the SOS is durably queued.
                val alertId = trigger.raise(AlertKind.SOS, silent = intent.getBooleanExtra(EXTRA_SILENT, false))
                show(context, "Alerta guardada, enviando…")
                // 2. Observe: every step until resolved or cancelled.
                subscription?.close()
                subscription = trigger.observe(alertId, Auxilio.scope,
                    onEvent = { event -> event.label()?.let { show(context, it) }; if (event.isFinal()) subscription?.close() },
                    onStatus = { alert -> show(context, alert.status?.name ?: "Enviando alerta…") },
                )
                // Tracking: start the foreground location service here; it calls core.feedFix(...)
                // until the alert is resolved or cancelled (core stops queuing positions then).
            } catch (e: AuxilioException) {
                show(context, "No se pudo guardar la alerta: llame al 105") // e.message has no personal data
            } finally {
                done.finish()
            }
        }
    }

    private fun show(context: Context, text: String) {
        val views = RemoteViews(context.packageName, R.layout.sos_widget).apply {
            setTextViewText(R.id.sos_status, text)
        }
        AppWidgetManager.getInstance(context)
            .updateAppWidget(ComponentName(context, SosWidget::class.java), views)
    }

    companion object {
        const val ACTION_SOS = "pe.elporvenir.auxilio.SOS"
        const val EXTRA_SILENT = "silent"
        @Volatile private var subscription: TaskHandle? = null
    }
}

private fun CoreEvent.isFinal() =
    this is CoreEvent.Resolved || this is CoreEvent.Cancelled || this is CoreEvent.Wedged
