// Auxilio SMS plugin: when the server has not received an SOS after 30 s,
// the shell (Rust) asks this plugin to send the alert's compact signed SMS
// to the central. The call is answered only when Android's "sent" broadcast
// reports the result: resolved on Activity.RESULT_OK, rejected with a short
// code otherwise, so the shell tells core `sms_fallback_sent` only for an
// SMS that really left. Called only from Rust (run_mobile_plugin); the web
// view is granted none of these commands. Neither the number nor the text
// is ever logged or put in an error.

package pe.gob.munielporvenir.auxilio.sms

import android.Manifest
import android.app.Activity
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.content.pm.PackageManager
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.telephony.SmsManager
import androidx.core.content.ContextCompat
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.Permission
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.Plugin
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

/** How long to wait for the sent broadcast before giving the SMS to the person. */
private const val SENT_TIMEOUT_MS = 60_000L

/** Each send listens for its own action, so reports never cross. */
private const val ACTION_SENT = "pe.gob.munielporvenir.auxilio.sms.SENT"

@InvokeArg
class SendArgs {
    var to: String = ""
    var text: String = ""
}

/**
 * The permission alias `sms` is what Tauri's own `checkPermissions` and
 * `requestPermissions` commands (of [Plugin]) answer about:
 * `{ "sms": "granted" | "denied" | "prompt" | "prompt-with-rationale" }`.
 */
@TauriPlugin(
    permissions = [
        Permission(strings = [Manifest.permission.SEND_SMS], alias = "sms")
    ]
)
class SmsPlugin(private val activity: Activity) : Plugin(activity) {
    private val main = Handler(Looper.getMainLooper())
    private val requests = AtomicInteger(1)

    /**
     * Sends one SMS (`to`, `text`) and answers when Android reports it:
     * resolve on RESULT_OK; reject with code `permission`, `unsupported`,
     * `invalid`, `too_long`, `refused`, `timeout`, `radio_off`,
     * `no_service`, `generic_failure`, `null_pdu` or `error_<n>`.
     */
    @Command
    fun send(invoke: Invoke) {
        val args = invoke.parseArgs(SendArgs::class.java)
        if (args.to.isBlank() || args.text.isEmpty()) {
            invoke.reject("no number or no text", "invalid")
            return
        }
        if (ContextCompat.checkSelfPermission(activity, Manifest.permission.SEND_SMS)
            != PackageManager.PERMISSION_GRANTED
        ) {
            invoke.reject("SEND_SMS is not granted", "permission")
            return
        }
        val manager = smsManager()
        if (manager == null) {
            invoke.reject("this device has no SMS service", "unsupported")
            return
        }
        if (manager.divideMessage(args.text).size != 1) {
            invoke.reject("the text is longer than one SMS", "too_long")
            return
        }

        val context = activity.applicationContext
        val request = requests.getAndIncrement()
        val action = "$ACTION_SENT.$request"
        val report = SentReport(context, invoke, main)
        report.listen(action)
        val sent = PendingIntent.getBroadcast(
            context,
            request,
            Intent(action).setPackage(context.packageName),
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_ONE_SHOT
        )
        try {
            manager.sendTextMessage(args.to, null, args.text, sent, null)
        } catch (e: Exception) {
            // SecurityException (permission revoked meanwhile),
            // IllegalArgumentException… The class name says which, no data.
            report.fail("SmsManager refused: ${e.javaClass.simpleName}", "refused")
        }
    }

    private fun smsManager(): SmsManager? =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            activity.getSystemService(SmsManager::class.java)
        } else {
            @Suppress("DEPRECATION")
            SmsManager.getDefault()
        }
}

/**
 * Waits for one SMS's sent broadcast and answers its plugin call exactly
 * once: on the broadcast, on a failure before sending, or after
 * [SENT_TIMEOUT_MS] without a report.
 */
private class SentReport(
    private val context: Context,
    private val invoke: Invoke,
    private val main: Handler,
) : BroadcastReceiver() {
    private val answered = AtomicBoolean(false)
    private val timeout = Runnable {
        answer { invoke.reject("no sent report from Android in time", "timeout") }
    }

    fun listen(action: String) {
        ContextCompat.registerReceiver(
            context,
            this,
            IntentFilter(action),
            ContextCompat.RECEIVER_NOT_EXPORTED
        )
        main.postDelayed(timeout, SENT_TIMEOUT_MS)
    }

    override fun onReceive(c: Context, intent: Intent) {
        val code = resultCode
        answer {
            if (code == Activity.RESULT_OK) {
                invoke.resolve()
            } else {
                invoke.reject("Android did not send the SMS", reasonFor(code))
            }
        }
    }

    fun fail(message: String, code: String) {
        answer { invoke.reject(message, code) }
    }

    private fun answer(reply: () -> Unit) {
        if (!answered.compareAndSet(false, true)) return
        main.removeCallbacks(timeout)
        try {
            context.unregisterReceiver(this)
        } catch (e: IllegalArgumentException) {
            // Not registered (any more): nothing to undo.
        }
        reply()
    }
}

/** The sent broadcast's result code as a short reason (no personal data). */
private fun reasonFor(code: Int): String = when (code) {
    SmsManager.RESULT_ERROR_GENERIC_FAILURE -> "generic_failure"
    SmsManager.RESULT_ERROR_RADIO_OFF -> "radio_off"
    SmsManager.RESULT_ERROR_NULL_PDU -> "null_pdu"
    SmsManager.RESULT_ERROR_NO_SERVICE -> "no_service"
    else -> "error_$code"
}
